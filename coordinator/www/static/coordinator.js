/* Hearth co-op dashboard, served by hearth-coordinator (docs/coordinator.md, "Dashboard pages").
 * ES5 syntax like the home dashboard's scripts, reusing its helpers (common.js: catalogue, DOM,
 * language), but for co-op staff's desktop and phone browsers, so it uses fetch(): every API call
 * carries the bearer token as "Authorization: Bearer", and the CSV arrives as a Blob.
 * The token is kept in sessionStorage only (gone when the tab closes): never in a URL, a cookie or
 * localStorage. Coordinators see their homes and alerts and may acknowledge; analysts see the
 * k-anonymous report only (the API refuses them homes and alerts: 403). */
(function () {
  'use strict';

  var H = Hearth;
  var t = H.t;
  var byId = H.byId;
  var el = H.el;
  var TOKEN_KEY = 'hearth.coop.token';
  var REFRESH_MS = 30000;

  var token = '';
  var me = null; // {name, role, coop} from /api/v1/whoami
  var view = 'homes'; // homes | home | report
  var homes = null; // last /homes answer
  var home = null; // {id, alerts}: the home whose alerts are shown
  var report = null; // last analytics answer
  var acked = {}; // "home alert" -> true: acknowledged from this page (until the home confirms)
  var refreshTimer = null;

  /* ---- token: sessionStorage only ---- */

  function storedToken() {
    try {
      return (window.sessionStorage && window.sessionStorage.getItem(TOKEN_KEY)) || '';
    } catch (e) {
      return '';
    }
  }

  function storeToken(value) {
    try {
      if (!window.sessionStorage) return;
      if (value) window.sessionStorage.setItem(TOKEN_KEY, value);
      else window.sessionStorage.removeItem(TOKEN_KEY);
    } catch (e) {
      /* storage blocked: the token lives only in this page until it is closed */
    }
  }

  /* ---- the API ---- */

  // Resolves {status, ok, data, text, response}; a network failure resolves with status 0.
  function api(method, path, body) {
    var init = {
      method: method,
      headers: {Accept: 'application/json', Authorization: 'Bearer ' + token},
      cache: 'no-store',
      credentials: 'omit',
      redirect: 'error'
    };
    if (body) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(path, init).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          data = null;
        }
        if (response.status === 401 && me) signedOut('ui.coop.signin.expired');
        return {status: response.status, ok: response.ok, data: data, text: text, response: response};
      });
    }, function (error) {
      return {status: 0, ok: false, data: null, text: String(error), response: null};
    });
  }

  function coopPath(leaf) {
    return '/api/v1/coops/' + encodeURIComponent(me.coop) + '/' + leaf;
  }

  function problemText(answer) {
    if (answer.status === 0) return t('ui.common.error', {error: t('ui.coop.offline')});
    return t('ui.common.error', {error: answer.data && answer.data.error ? answer.data.error : 'HTTP ' + answer.status});
  }

  function showProblem(text) {
    byId('problem').textContent = text || '';
  }

  /* ---- formatting ---- */

  function two(n) {
    return n < 10 ? '0' + n : String(n);
  }

  // Local date and time, "07/12/2026 14:05"; '–' when absent.
  function dateTime(ms) {
    if (ms === null || ms === undefined) return '–';
    var d = new Date(ms);
    return two(d.getDate()) + '/' + two(d.getMonth() + 1) + '/' + d.getFullYear() + ' ' + two(d.getHours()) + ':' +
      two(d.getMinutes());
  }

  function number(value, digits) {
    return H.formatNumber(value, digits);
  }

  function pounds(pence) {
    return typeof pence === 'number' ? '£' + H.formatPence(pence) : '–';
  }

  function percent(share) {
    return typeof share === 'number' ? Math.round(share * 100) + '%' : '–';
  }

  function isoDay(date) {
    return date.getUTCFullYear() + '-' + two(date.getUTCMonth() + 1) + '-' + two(date.getUTCDate());
  }

  function severityText(severity) {
    return t('ui.severity.' + severity);
  }

  function stateText(state) {
    return t('ui.alert.state.' + state);
  }

  function badge(className, text) {
    return el('span', 'badge ' + className, text);
  }

  /* ---- views ---- */

  function show(name) {
    view = name;
    H.show(byId('homes'), name === 'homes');
    H.show(byId('home'), name === 'home');
    H.show(byId('report'), name === 'report');
    byId('tab-homes').setAttribute('aria-pressed', name === 'report' ? 'false' : 'true');
    byId('tab-report').setAttribute('aria-pressed', name === 'report' ? 'true' : 'false');
  }

  function renderWho() {
    if (!me) {
      byId('who').textContent = '';
      return;
    }
    var role = me.role === 'analyst' ? t('ui.role.analyst') : t('ui.role.coordinator');
    byId('who').textContent = t('ui.coop.who', {name: me.name, role: role, coop: me.coop});
  }

  /* ---- coordinator: homes ---- */

  function loadHomes() {
    return api('GET', coopPath('homes')).then(function (answer) {
      if (!answer.ok) {
        if (answer.status !== 401) showProblem(problemText(answer));
        return;
      }
      showProblem('');
      homes = answer.data;
      renderHomes();
      loadResponses();
    });
  }

  // The telecare response shares (GET .../responses), under the homes.
  function loadResponses() {
    return api('GET', coopPath('responses')).then(function (answer) {
      if (!answer.ok) return;
      var r = answer.data;
      byId('homes-responses').textContent = t('ui.coop.responses', {
        alerts: r.alerts, ack60: r.acknowledged_within_60s, ack180: r.acknowledged_within_180s, attended: r.attended
      });
    });
  }

  function renderHomes() {
    var body = byId('homes-body');
    H.clear(body);
    if (!homes) return;
    var open = 0;
    for (var i = 0; i < homes.homes.length; i++) {
      var h = homes.homes[i];
      if (h.open_alerts > 0) open++;
      var row = el('tr', h.open_alerts > 0 ? 'home-alert' : '');
      row.setAttribute('data-home', h.home);
      row.appendChild(el('th', 'home-id', h.home)).setAttribute('scope', 'row');
      var status = el('td');
      status.appendChild(el('span', 'chip ' + (h.open_alerts > 0 ? 'status-alert' : 'status-ok'),
        h.open_alerts > 0 ? t('ui.coop.status.alert') : t('ui.coop.status.ok')));
      row.appendChild(status);
      row.appendChild(el('td', 'number', h.open_alerts));
      var latest = el('td', 'latest');
      if (h.latest_alert) {
        var a = h.latest_alert;
        latest.appendChild(badge('severity-' + a.severity, severityText(a.severity)));
        latest.appendChild(badge('state', stateText(a.state)));
        latest.appendChild(el('span', 'alert-id', a.alert_id));
        latest.appendChild(el('span', 'muted when', t('ui.coop.alert.raised_at', {time: dateTime(a.raised_ms)})));
      } else {
        latest.appendChild(el('span', 'muted', t('ui.coop.homes.no_alerts')));
      }
      row.appendChild(latest);
      var actions = el('td');
      var button = el('button', 'secondary open-home', t('ui.coop.homes.view'));
      button.type = 'button';
      button.setAttribute('data-home', h.home);
      button.onclick = openHomeHandler(h.home);
      actions.appendChild(button);
      row.appendChild(actions);
      body.appendChild(row);
    }
    byId('homes-summary').textContent = t('ui.coop.homes.summary', {homes: homes.homes.length, open: open});
  }

  function openHomeHandler(id) {
    return function () {
      openHome(id);
    };
  }

  /* ---- coordinator: one home's alerts ---- */

  function openHome(id) {
    home = {id: id, alerts: null};
    byId('home-heading').textContent = t('ui.coop.home.heading', {home: id});
    H.clear(byId('home-alerts'));
    H.show(byId('home-none'), false);
    show('home');
    return loadHomeAlerts();
  }

  function loadHomeAlerts() {
    if (!home) return null;
    var id = home.id;
    var query = '?home=' + encodeURIComponent(id);
    return api('GET', coopPath('alerts') + query).then(function (answer) {
      if (!home || home.id !== id) return null;
      if (!answer.ok) {
        if (answer.status !== 401) showProblem(problemText(answer));
        return null;
      }
      showProblem('');
      home.alerts = answer.data.alerts;
      return api('GET', coopPath('steps') + query).then(function (steps) {
        if (!home || home.id !== id) return;
        home.steps = steps.ok ? steps.data.steps : [];
        renderHome();
      });
    });
  }

  // Literal keys, so that the catalogue check sees each one used.
  var STEP_KEYS = {
    notified: 'ui.coop.step.notified', escalated: 'ui.coop.step.escalated', delivered: 'ui.coop.step.delivered',
    delivery_failed: 'ui.coop.step.delivery_failed', acknowledged: 'ui.coop.step.acknowledged',
    attended: 'ui.coop.step.attended', resolved: 'ui.coop.step.resolved', exhausted: 'ui.coop.step.exhausted',
    no_rota: 'ui.coop.step.no_rota'
  };

  // Who was told, by which channel, who acknowledged or arrived, and when: oldest first.
  function stepsList(alertId) {
    var list = el('ol', 'steps');
    var steps = (home.steps || []).filter(function (s) { return s.alert_id === alertId; });
    steps.sort(function (a, b) { return a.at_ms - b.at_ms; });
    for (var i = 0; i < steps.length; i++) {
      var s = steps[i];
      var text = dateTime(s.at_ms) + ' ' + (STEP_KEYS[s.kind] ? t(STEP_KEYS[s.kind]) : s.kind);
      if (s.person_name || s.person_id) text += ' ' + (s.person_name || s.person_id);
      if (s.channel) text += ' (' + s.channel + ')';
      if (s.note) text += ' – ' + s.note;
      var item = el('li', 'step step-' + s.kind, text);
      list.appendChild(item);
    }
    return steps.length ? list : null;
  }

  function timeRow(list, key, value) {
    list.appendChild(el('dt', '', t(key)));
    list.appendChild(el('dd', '', value));
  }

  function renderHome() {
    var box = byId('home-alerts');
    H.clear(box);
    if (!home || !home.alerts) return;
    H.show(byId('home-none'), home.alerts.length === 0);
    var alerts = H.sortAlerts(home.alerts);
    for (var i = 0; i < alerts.length; i++) {
      var a = alerts[i];
      var open = !a.resolved_ms;
      var card = el('div', 'alert coop-alert severity-' + a.severity + (open ? ' open' : ''));
      card.setAttribute('data-alert', a.alert_id);
      var head = el('p');
      head.appendChild(badge('severity-' + a.severity, severityText(a.severity)));
      head.appendChild(badge('state', stateText(a.state)));
      card.appendChild(head);
      card.appendChild(el('p', 'alert-text', a.alert_id));
      var times = el('dl', 'evidence');
      timeRow(times, 'ui.coop.alert.raised', dateTime(a.raised_ms));
      timeRow(times, 'ui.coop.alert.received', dateTime(a.received_ms));
      timeRow(times, 'ui.coop.alert.acknowledged', a.acknowledged_ms
        ? t('ui.coop.alert.acknowledged_by', {time: dateTime(a.acknowledged_ms), by: a.acknowledged_by || '–'})
        : '–');
      timeRow(times, 'ui.coop.alert.resolved', dateTime(a.resolved_ms));
      timeRow(times, 'ui.coop.alert.events', String(a.events));
      card.appendChild(times);
      var steps = stepsList(a.alert_id);
      if (steps) {
        card.appendChild(el('h3', 'steps-heading', t('ui.coop.steps.heading')));
        card.appendChild(steps);
      }
      if (open && !a.acknowledged_ms) card.appendChild(ackForm(home.id, a.alert_id));
      box.appendChild(card);
    }
  }

  function ackForm(homeId, alertId) {
    var form = el('form', 'form ack-form');
    if (acked[homeId + ' ' + alertId]) {
      form.appendChild(el('p', 'notice ack-queued', t('ui.coop.ack.queued')));
      return form;
    }
    var noteId = 'ack-note-' + alertId.replace(/[^A-Za-z0-9_-]/g, '_');
    var label = el('label', '', t('ui.coop.ack.note'));
    label.setAttribute('for', noteId);
    var note = el('input');
    note.id = noteId;
    note.maxLength = 500;
    note.setAttribute('autocomplete', 'off');
    var error = el('p', 'form-error');
    error.setAttribute('role', 'alert');
    var button = el('button', 'ack-button', t('ui.coop.ack.button'));
    button.type = 'submit';
    form.appendChild(label);
    form.appendChild(note);
    form.appendChild(error);
    form.appendChild(button);
    form.onsubmit = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      button.disabled = true;
      error.textContent = '';
      api('POST', coopPath('alerts/ack'), {home: homeId, alert_id: alertId, note: note.value}).then(function (answer) {
        button.disabled = false;
        if (answer.status === 202) {
          acked[homeId + ' ' + alertId] = true;
          renderHome();
          return;
        }
        if (answer.status !== 401) error.textContent = problemText(answer);
      });
      return false;
    };
    return form;
  }

  /* ---- the report (both roles) ---- */

  function defaultRange() {
    // Days settle for a few days before they are shown (docs/coordinator.md): end four days back,
    // start twelve weeks before that.
    var to = new Date(Date.now() - 4 * 86400000);
    var from = new Date(to.getTime() - 83 * 86400000);
    if (byId('report-from').value) return;
    byId('report-to').value = isoDay(to);
    byId('report-from').value = isoDay(from);
    byId('report-by').value = 'week';
  }

  function reportQuery() {
    return 'from=' + encodeURIComponent(byId('report-from').value) + '&to=' +
      encodeURIComponent(byId('report-to').value) + '&by=' + encodeURIComponent(byId('report-by').value);
  }

  function loadReport() {
    byId('report-error').textContent = '';
    byId('report-submit').disabled = true;
    return api('GET', coopPath('analytics') + '?' + reportQuery()).then(function (answer) {
      byId('report-submit').disabled = false;
      if (!answer.ok) {
        if (answer.status !== 401) byId('report-error').textContent = problemText(answer);
        return;
      }
      report = answer.data;
      byId('report-csv').disabled = false;
      renderReport();
    });
  }

  function suppressedText() {
    return t('ui.coop.report.suppressed', {k: report ? report.k : 5});
  }

  function cell(row, text, className) {
    var td = el('td', className || 'number', text);
    row.appendChild(td);
    return td;
  }

  function suppressedCell(row, span) {
    var td = el('td', 'suppressed', suppressedText());
    if (span > 1) td.colSpan = span;
    row.appendChild(td);
    return td;
  }

  function shareCell(row, share) {
    if (!share || share.suppressed) suppressedCell(row, 1);
    else cell(row, percent(share.share));
  }

  function renderReport() {
    var body = byId('report-body');
    H.clear(body);
    H.clear(byId('report-charts'));
    if (!report) {
      byId('report-meta').textContent = '';
      H.show(byId('report-table'), false);
      return;
    }
    byId('report-meta').textContent = t('ui.coop.report.meta', {k: report.k, date: report.final_through}) +
      (report.late_summaries > 0 ? ' ' + t('ui.coop.report.late', {count: report.late_summaries}) : '');
    var periods = report.periods || [];
    for (var i = 0; i < periods.length; i++) {
      var p = periods[i];
      var row = el('tr', p.suppressed ? 'period-suppressed' : '');
      row.setAttribute('data-period', p.period);
      var label = el('th', 'period', p.period);
      label.setAttribute('scope', 'row');
      if (p.from !== p.to) label.appendChild(el('span', 'muted range', p.from + ' – ' + p.to));
      if (!p.suppressed && p.days_suppressed > 0)
        label.appendChild(el('span', 'muted range', t('ui.coop.report.days_left_out', {days: p.days_suppressed})));
      row.appendChild(label);
      if (p.suppressed) {
        suppressedCell(row, 11);
        body.appendChild(row);
        continue;
      }
      cell(row, p.homes);
      cell(row, number(p.electricity_kwh, 1));
      cell(row, pounds(p.total_pence));
      var s = p.savings || {suppressed: true};
      if (s.suppressed) {
        suppressedCell(row, 5);
      } else {
        cell(row, number(s.saved_kwh, 1));
        cell(row, pounds(s.saved_pence));
        cell(row, s.saved_pct === null ? '–' : number(s.saved_pct, 1) + '%');
        cell(row, number(s.saved_kg_co2e, 1));
        cell(row, s.payback_months === null ? '–' : number(s.payback_months, 1));
      }
      var fp = p.fuel_poverty || {};
      cell(row, number(fp.cold_home_hours_per_home_day, 2));
      shareCell(row, fp.self_rationing);
      shareCell(row, fp.above_10pct_income);
      body.appendChild(row);
    }
    H.show(byId('report-table'), periods.length > 0);
    renderCharts(periods);
  }

  /* ---- charts: hand-drawn SVG bars, one per period; a suppressed period is an outlined, hatched
   * bar with no height of its own (no number, no hint of one) ---- */

  var SVG = 'http://www.w3.org/2000/svg';

  function svgNode(tag, attrs, text) {
    var n = document.createElementNS(SVG, tag);
    for (var k in attrs) {
      if (attrs.hasOwnProperty(k)) n.setAttribute(k, String(attrs[k]));
    }
    if (text !== undefined) n.appendChild(document.createTextNode(text));
    return n;
  }

  // points: [{label, value (number) or null when suppressed}]; unit: text after values in tooltips.
  function barChart(container, id, title, points, digits, unit) {
    var W = 640;
    var HT = 220;
    var left = 52;
    var right = 8;
    var top = 10;
    var bottom = 44;
    var plotW = W - left - right;
    var plotH = HT - top - bottom;
    var maxV = 0;
    var minV = 0;
    var i;
    for (i = 0; i < points.length; i++) {
      if (points[i].value === null) continue;
      maxV = Math.max(maxV, points[i].value);
      minV = Math.min(minV, points[i].value);
    }
    if (maxV - minV < 1e-9) maxV = minV + 1;
    var y = function (v) {
      return top + (1 - (v - minV) / (maxV - minV)) * plotH;
    };
    var figure = el('figure', 'coop-chart');
    figure.appendChild(el('figcaption', '', title));
    var svg = svgNode('svg', {viewBox: '0 0 ' + W + ' ' + HT, 'class': 'chart', role: 'img', 'aria-label': title, id: id});
    for (i = 0; i <= 2; i++) {
      var v = minV + ((maxV - minV) * i) / 2;
      svg.appendChild(svgNode('line', {x1: left, x2: W - right, y1: y(v), y2: y(v), 'class': 'grid'}));
      svg.appendChild(svgNode('text', {x: left - 4, y: y(v) + 4, 'text-anchor': 'end'}, v.toFixed(digits)));
    }
    svg.appendChild(svgNode('line', {x1: left, x2: left, y1: top, y2: top + plotH, 'class': 'axis'}));
    svg.appendChild(svgNode('line', {x1: left, x2: W - right, y1: y(0), y2: y(0), 'class': 'axis'}));
    var slot = plotW / Math.max(1, points.length);
    var barW = Math.max(2, slot * 0.7);
    var labelEvery = Math.max(1, Math.ceil(points.length / 8));
    for (i = 0; i < points.length; i++) {
      var x = left + slot * i + (slot - barW) / 2;
      var p = points[i];
      var bar;
      if (p.value === null) {
        bar = svgNode('rect', {x: x.toFixed(1), y: top, width: barW.toFixed(1), height: plotH, 'class': 'bar-suppressed',
          'data-period': p.label});
        bar.appendChild(svgNode('title', {}, p.label + ': ' + suppressedText()));
      } else {
        var y0 = y(Math.max(0, p.value));
        var h = Math.abs(y(p.value) - y(0));
        bar = svgNode('rect', {x: x.toFixed(1), y: y0.toFixed(1), width: barW.toFixed(1), height: Math.max(0.5, h).toFixed(1),
          'class': p.value < 0 ? 'bar negative' : 'bar', 'data-period': p.label});
        bar.appendChild(svgNode('title', {}, p.label + ': ' + p.value.toFixed(digits) + ' ' + unit));
      }
      svg.appendChild(bar);
      if (i % labelEvery === 0) {
        svg.appendChild(svgNode('text', {x: (x + barW / 2).toFixed(1), y: HT - bottom + 16, 'text-anchor': 'middle'}, p.label));
      }
    }
    figure.appendChild(svg);
    var legend = el('p', 'legend');
    var key = el('span');
    key.appendChild(el('i', 'legend-suppressed'));
    key.appendChild(document.createTextNode(suppressedText()));
    legend.appendChild(key);
    figure.appendChild(legend);
    container.appendChild(figure);
  }

  function renderCharts(periods) {
    var saved = [];
    var cold = [];
    for (var i = 0; i < periods.length; i++) {
      var p = periods[i];
      var savingsShown = !p.suppressed && p.savings && !p.savings.suppressed;
      saved.push({label: p.period, value: savingsShown ? p.savings.saved_kwh : null});
      cold.push({label: p.period, value: p.suppressed ? null : p.fuel_poverty.cold_home_hours_per_home_day});
    }
    var box = byId('report-charts');
    barChart(box, 'chart-saved', t('ui.coop.chart.saved_kwh'), saved, 1, 'kWh');
    barChart(box, 'chart-cold', t('ui.coop.chart.cold_hours'), cold, 2, 'h');
  }

  // The CSV through fetch with the bearer header, then a Blob link: the token never goes in a URL.
  function downloadCsv() {
    byId('report-error').textContent = '';
    var query = reportQuery();
    var name = 'hearth-' + me.coop + '-' + byId('report-from').value + '-' + byId('report-to').value + '-' +
      byId('report-by').value + '.csv';
    var init = {headers: {Authorization: 'Bearer ' + token, Accept: 'text/csv'}, cache: 'no-store', credentials: 'omit'};
    fetch(coopPath('analytics') + '?' + query + '&format=csv', init).then(function (response) {
      if (!response.ok) {
        return response.text().then(function (text) {
          var data = null;
          try {
            data = JSON.parse(text);
          } catch (e) {
            data = null;
          }
          if (response.status === 401) signedOut('ui.coop.signin.expired');
          else byId('report-error').textContent = problemText({status: response.status, data: data});
        });
      }
      return response.blob().then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = el('a', 'visually-hidden');
        link.href = url;
        link.download = name;
        document.body.appendChild(link);
        link.click();
        setTimeout(function () {
          URL.revokeObjectURL(url);
          if (link.parentNode) link.parentNode.removeChild(link);
        }, 10000);
      });
    }, function () {
      byId('report-error').textContent = problemText({status: 0});
    });
  }

  /* ---- signing in and out ---- */

  function enter(who) {
    me = who;
    H.show(byId('signin'), false);
    H.show(byId('logout'), true);
    renderWho();
    defaultRange();
    var coordinator = me.role === 'coordinator';
    H.show(byId('tabs'), coordinator);
    if (coordinator) {
      show('homes');
      loadHomes();
      if (refreshTimer) clearInterval(refreshTimer);
      refreshTimer = setInterval(function () {
        if (!me) return;
        if (view === 'homes') loadHomes();
        else if (view === 'home') loadHomeAlerts();
      }, REFRESH_MS);
    } else {
      show('report');
      loadReport();
    }
  }

  function signedOut(reasonKey) {
    token = '';
    me = null;
    homes = null;
    home = null;
    report = null;
    acked = {};
    if (refreshTimer) clearInterval(refreshTimer);
    refreshTimer = null;
    storeToken('');
    renderWho();
    showProblem('');
    H.show(byId('tabs'), false);
    H.show(byId('homes'), false);
    H.show(byId('home'), false);
    H.show(byId('report'), false);
    H.show(byId('logout'), false);
    H.clear(byId('homes-body'));
    H.clear(byId('home-alerts'));
    H.clear(byId('report-body'));
    H.clear(byId('report-charts'));
    byId('report-csv').disabled = true;
    byId('signin-error').textContent = reasonKey ? t(reasonKey) : '';
    H.show(byId('signin'), true);
  }

  function signIn(candidate, fromStorage) {
    token = candidate;
    return api('GET', '/api/v1/whoami').then(function (answer) {
      if (answer.ok && answer.data && answer.data.role) {
        storeToken(token);
        byId('signin-token').value = '';
        enter(answer.data);
        return;
      }
      token = '';
      if (fromStorage) storeToken('');
      var error = byId('signin-error');
      if (answer.status === 401) error.textContent = t(fromStorage ? 'ui.coop.signin.expired' : 'ui.coop.signin.failed');
      else if (answer.status === 429) error.textContent = t('ui.login.locked', {minutes: 1});
      else error.textContent = problemText(answer);
      H.show(byId('signin'), true);
    });
  }

  function rerender() {
    renderWho();
    if (homes) renderHomes();
    if (home) {
      byId('home-heading').textContent = t('ui.coop.home.heading', {home: home.id});
      renderHome();
    }
    if (report) renderReport();
  }

  function setLanguage(lang, done) {
    H.loadCatalogue(lang, function () {
      H.translate();
      rerender();
      if (done) done();
    });
  }

  function wire() {
    byId('signin-form').onsubmit = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      byId('signin-error').textContent = '';
      var value = byId('signin-token').value.replace(/^\s+|\s+$/g, '');
      if (value) signIn(value, false);
      return false;
    };
    byId('logout').onclick = function () {
      signedOut(null);
    };
    byId('language').onclick = function () {
      var next = H.language() === 'cy' ? 'en' : 'cy';
      H.rememberLanguage(next);
      setLanguage(next);
    };
    byId('tab-homes').onclick = function () {
      home = null;
      show('homes');
      loadHomes();
    };
    byId('tab-report').onclick = function () {
      show('report');
      if (!report) loadReport();
    };
    byId('home-back').onclick = function () {
      home = null;
      show('homes');
      loadHomes();
    };
    byId('report-form').onsubmit = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      loadReport();
      return false;
    };
    byId('report-csv').onclick = downloadCsv;
  }

  wire();
  setLanguage(H.preferredLanguage(), function () {
    H.show(byId('loading'), false);
    var saved = storedToken();
    if (saved) signIn(saved, true);
    else H.show(byId('signin'), true);
  });
})();
