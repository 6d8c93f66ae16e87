/* Hearth carer view (phone-first): sign in, open alerts with evidence, acknowledge/resolve with a
 * note, home status, temperature and energy charts, recent alerts. ES5. */
(function () {
  'use strict';
  var H = Hearth;

  var CARER_ROLES = {carer: 1, coordinator: 1, admin: 1};
  var HOUR_MS = 3600 * 1000;
  var MAX_TEMPERATURE_SERIES = 6;
  var HISTORY_SHOWN = 15;

  var user = null;
  var home = null;
  var openAlerts = [];
  var notes = {}; // drafts by alert id, kept across re-renders
  var busy = {}; // alert ids with a request in flight
  var errors = {}; // last error text by alert id
  var rangeDays = 1;
  var live = null;

  function start() {
    H.loadCatalogue(H.preferredLanguage(), function () {
      H.translate(document);
      H.wireLogin('login', function (session) {
        enter(session);
      });
      H.currentSession(function (session) {
        if (session && CARER_ROLES[session.user.role]) enter(session);
        else showSignIn(session && session.user.role !== 'tv');
      });
    });
  }

  function showSignIn(notAllowed) {
    H.show(H.byId('loading'), false);
    H.show(H.byId('app'), false);
    H.show(H.byId('logout'), false);
    H.show(H.byId('not-allowed'), !!notAllowed);
    H.byId('who').textContent = '';
    H.show(H.byId('signin'), true);
  }

  function enter(session) {
    if (!CARER_ROLES[session.user.role]) {
      showSignIn(true);
      return;
    }
    user = session.user;
    var lang = user.language === 'cy' || user.language === 'en' ? user.language : H.language();
    H.rememberLanguage(lang);
    H.loadCatalogue(lang, function () {
      H.translate(document);
      H.show(H.byId('loading'), false);
      H.show(H.byId('signin'), false);
      H.show(H.byId('app'), true);
      H.show(H.byId('logout'), true);
      renderWho();
      loadAll();
      if (!live) {
        live = H.listen({alert: onAlertEvent, home: onHomeEvent}, function (up) {
          H.show(H.byId('offline'), !up);
          if (up) loadAll();
        });
      }
    });
  }

  function renderWho() {
    H.byId('who').textContent = user ? H.t('ui.carer.signed_in_as', {name: user.display_name || user.username}) : '';
  }

  function loadAll() {
    H.request('GET', '/api/v1/home', null, function (err, data) {
      if (err) {
        if (err.status === 401) showSignIn(false);
        return;
      }
      applyHome(data);
    });
    loadHistory();
    loadCharts();
  }

  function applyHome(data) {
    home = data;
    openAlerts = data.alerts || [];
    renderAlerts();
    renderStatus();
  }

  function onAlertEvent(alert) {
    if (!alert || !alert.id) return;
    openAlerts = H.mergeAlert(openAlerts, alert);
    renderAlerts();
    if (!H.isOpen(alert)) loadHistory();
  }

  function onHomeEvent(summary) {
    if (summary && summary.rooms) applyHome(summary);
  }

  /* ---- open alerts ---- */

  function renderAlerts() {
    var box = H.byId('alerts');
    H.clear(box);
    var list = H.sortAlerts(openAlerts);
    H.show(H.byId('alerts-none'), list.length === 0);
    for (var i = 0; i < list.length; i++) box.appendChild(alertCard(list[i]));
  }

  function alertCard(a) {
    var card = H.el('article', 'panel alert severity-' + a.severity);
    card.setAttribute('data-alert-id', a.id);
    card.appendChild(H.el('span', 'badge severity-' + a.severity, H.t('ui.severity.' + a.severity)));
    card.appendChild(H.el('span', 'badge state', H.t('ui.alert.state.' + a.state)));
    card.appendChild(H.el('p', 'alert-text', H.alertText(a)));
    var where = (a.room ? a.room + ' · ' : '') + H.t('ui.carer.alert.raised_at', {time: H.formatTime(a.raised_ms)});
    card.appendChild(H.el('p', 'muted', where));
    appendEvidence(card, a.evidence);
    if (a.state === 'acknowledged') {
      var ack = H.t('ui.carer.alert.acknowledged_by', {who: a.acknowledged_by, time: H.formatTime(a.acknowledged_ms)});
      card.appendChild(H.el('p', 'acknowledged', ack + (a.ack_note ? ': “' + a.ack_note + '”' : '')));
    }
    card.appendChild(actions(a));
    return card;
  }

  function appendEvidence(card, evidence) {
    if (!evidence) return;
    var keys = [];
    for (var k in evidence) {
      if (evidence.hasOwnProperty(k)) keys.push(k);
    }
    if (keys.length === 0) return;
    card.appendChild(H.el('p', 'muted', H.t('ui.carer.alert.evidence')));
    var dl = H.el('dl', 'evidence');
    for (var i = 0; i < keys.length; i++) {
      var v = evidence[keys[i]];
      dl.appendChild(H.el('dt', null, keys[i].replace(/_/g, ' ')));
      dl.appendChild(H.el('dd', null, typeof v === 'object' ? JSON.stringify(v) : String(v)));
    }
    card.appendChild(dl);
  }

  function actions(a) {
    var form = H.el('div', 'form alert-actions');
    var fieldId = 'note-' + a.id.replace(/[^a-zA-Z0-9_-]/g, '_');
    var label = H.el('label', null, H.t('ui.carer.alert.note'));
    label.setAttribute('for', fieldId);
    var note = H.el('textarea', 'note');
    note.id = fieldId;
    note.rows = 2;
    note.value = notes[a.id] || '';
    note.oninput = function () {
      notes[a.id] = note.value;
    };
    form.appendChild(label);
    form.appendChild(note);
    if (a.state !== 'acknowledged') form.appendChild(actionButton(a, 'ack', 'ui.carer.alert.ack', ''));
    form.appendChild(actionButton(a, 'resolve', 'ui.carer.alert.resolve', 'secondary'));
    form.appendChild(H.el('p', 'form-error', errors[a.id] || ''));
    return form;
  }

  function actionButton(a, action, key, className) {
    var b = H.el('button', className, H.t(key));
    b.type = 'button';
    b.setAttribute('data-action', action);
    if (busy[a.id]) b.disabled = true;
    b.onclick = function () {
      act(a.id, action);
    };
    return b;
  }

  // ':' and '/' stay readable in the path (ids look like "smoke:z2m:kitchen/smoke").
  function alertPath(id, action) {
    return '/api/v1/alerts/' + encodeURIComponent(id).replace(/%2F/g, '/').replace(/%3A/g, ':') + '/' + action;
  }

  function act(id, action) {
    busy[id] = true;
    errors[id] = '';
    renderAlerts();
    H.request('POST', alertPath(id, action), {note: notes[id] || ''}, function (err, data) {
      busy[id] = false;
      if (err) {
        errors[id] = H.t('ui.common.error', {error: err.message});
        if (err.status === 401) showSignIn(false);
        renderAlerts();
        return;
      }
      delete notes[id];
      var alert = data && data.alert ? data.alert : data;
      if (alert && alert.id) onAlertEvent(alert);
      else renderAlerts();
    });
  }

  /* ---- home status ---- */

  function statusItem(list, label, value) {
    var li = H.el('li');
    li.appendChild(H.el('strong', null, label + ': '));
    if (typeof value === 'string') li.appendChild(document.createTextNode(value));
    else li.appendChild(value);
    list.appendChild(li);
  }

  function renderStatus() {
    var list = H.byId('status');
    H.clear(list);
    if (!home) return;
    var last = home.last_activity_ms ? H.formatTime(home.last_activity_ms) : H.t('ui.carer.status.no_activity');
    statusItem(list, H.t('ui.carer.status.last_activity'), last);
    list.appendChild(H.el('li', null, H.t(home.away ? 'ui.carer.status.away' : 'ui.carer.status.at_home')));
    if (home.wellbeing && typeof home.wellbeing.score === 'number') {
      statusItem(list, H.t('ui.carer.status.wellbeing'), String(Math.round(home.wellbeing.score)) + ' / 100');
    }
    var rooms = home.rooms || [];
    for (var i = 0; i < rooms.length; i++) {
      var r = rooms[i];
      var span = H.el('span');
      span.appendChild(document.createTextNode(H.formatNumber(r.temperature_c, 1) + ' °C '));
      span.appendChild(H.el('span', 'chip room-' + r.state, H.t('ui.room.state.' + r.state)));
      statusItem(list, r.room, span);
    }
    var off = home.devices_offline || [];
    statusItem(list, H.t('ui.carer.status.offline'), off.length ? off.join(', ') : H.t('ui.carer.status.all_online'));
  }

  /* ---- history ---- */

  function loadHistory() {
    H.request('GET', '/api/v1/alerts?state=all', null, function (err, data) {
      if (err || !data) return;
      var closed = [];
      var all = data.alerts || [];
      for (var i = 0; i < all.length; i++) {
        if (!H.isOpen(all[i])) closed.push(all[i]);
      }
      closed.sort(function (a, b) {
        return (b.updated_ms || 0) - (a.updated_ms || 0);
      });
      renderHistory(closed.slice(0, HISTORY_SHOWN));
    });
  }

  function renderHistory(closed) {
    var list = H.byId('history');
    H.clear(list);
    H.show(H.byId('history-none'), closed.length === 0);
    for (var i = 0; i < closed.length; i++) {
      var a = closed[i];
      var li = H.el('li');
      li.appendChild(H.el('span', 'badge severity-' + a.severity, H.t('ui.severity.' + a.severity)));
      li.appendChild(document.createTextNode(H.formatTime(a.raised_ms) + ' · ' + H.alertText(a)));
      var closedBy = H.t('ui.carer.history.closed_by', {who: a.resolved_by || '–', time: H.formatTime(a.resolved_ms)});
      li.appendChild(H.el('div', 'muted', closedBy + (a.resolve_note ? ': “' + a.resolve_note + '”' : '')));
      list.appendChild(li);
    }
  }

  /* ---- charts (hourly rollups from GET /api/v1/readings) ---- */

  function chartRange() {
    var end = new Date();
    if (rangeDays === 1) {
      end.setMinutes(0, 0, 0);
      var toMs = end.getTime() + HOUR_MS;
      return {from: toMs - 24 * HOUR_MS, to: toMs, bucket: HOUR_MS};
    }
    end.setHours(24, 0, 0, 0); // next local midnight
    var start = new Date(end.getTime());
    start.setDate(start.getDate() - 7);
    return {from: start.getTime(), to: end.getTime(), bucket: 24 * HOUR_MS};
  }

  // Hourly buckets for the range. Hourly rollups exist only for closed hours, so the last two hours
  // are also read raw and bucketed here: the chart reaches up to now.
  function readings(device, metric, range, done) {
    var base = '/api/v1/readings?device=' + encodeURIComponent(device) + '&metric=' + metric;
    var recentFrom = Math.max(range.from, startOfHour(new Date().getTime()) - HOUR_MS);
    H.request('GET', base + '&resolution=hour&from=' + range.from + '&to=' + range.to, null, function (err, hourly) {
      var points = err || !hourly ? [] : hourly.points || [];
      H.request('GET', base + '&resolution=raw&from=' + recentFrom + '&to=' + range.to, null, function (err2, raw) {
        done(mergeRecent(points, err2 || !raw ? [] : raw.points || []));
      });
    });
  }

  function startOfHour(ms) {
    return ms - (ms % HOUR_MS);
  }

  // Adds an hourly bucket (mean, min, max) for each hour of raw points the rollups do not cover yet.
  function mergeRecent(hourly, raw) {
    var covered = {};
    var i;
    for (i = 0; i < hourly.length; i++) covered[hourly[i].ts_ms] = true;
    var extra = {};
    var order = [];
    for (i = 0; i < raw.length; i++) {
      var hour = startOfHour(raw[i].ts_ms);
      if (covered[hour]) continue;
      var b = extra[hour];
      if (!b) {
        b = extra[hour] = {ts_ms: hour, sum: 0, count: 0, min: raw[i].value, max: raw[i].value};
        order.push(hour);
      }
      b.sum += raw[i].value;
      b.count += 1;
      b.min = Math.min(b.min, raw[i].value);
      b.max = Math.max(b.max, raw[i].value);
    }
    var out = hourly.slice();
    for (i = 0; i < order.length; i++) {
      var e = extra[order[i]];
      out.push({ts_ms: e.ts_ms, value: e.sum / e.count, min: e.min, max: e.max, count: e.count});
    }
    out.sort(function (a, b2) {
      return a.ts_ms - b2.ts_ms;
    });
    return out;
  }

  function loadCharts() {
    var range = chartRange();
    H.request('GET', '/api/v1/devices', null, function (err, data) {
      var devices = err || !data ? [] : data.devices || [];
      var temp = [];
      var energy = [];
      for (var i = 0; i < devices.length; i++) {
        var latest = devices[i].latest || {};
        if (latest.temperature_c && temp.length < MAX_TEMPERATURE_SERIES) temp.push(devices[i]);
        if (latest.energy_kwh) energy.push(devices[i]);
      }
      drawTemperature(temp, range);
      drawEnergy(energy, range);
    });
  }

  // Calls done(results) once every device's readings are in (in device order).
  function collect(devices, metric, range, done) {
    var results = [];
    var pending = devices.length;
    if (pending === 0) done(results);
    for (var i = 0; i < devices.length; i++) {
      (function (index) {
        readings(devices[index].id, metric, range, function (points) {
          results[index] = points;
          pending -= 1;
          if (pending === 0) done(results);
        });
      })(i);
    }
  }

  function noData(box) {
    box.appendChild(H.el('p', 'muted', H.t('ui.carer.charts.no_data')));
  }

  function deviceLabel(d) {
    return d.room && d.name && d.name.indexOf(d.room) < 0 ? d.room + ': ' + d.name : d.name || d.room || d.id;
  }

  function drawTemperature(devices, range) {
    collect(devices, 'temperature_c', range, function (results) {
      var box = H.byId('chart-temperature');
      H.clear(box);
      var series = [];
      for (var i = 0; i < devices.length; i++) {
        var pts = [];
        for (var j = 0; j < results[i].length; j++) pts.push({t: results[i][j].ts_ms + HOUR_MS / 2, v: results[i][j].value});
        if (pts.length > 0) series.push({name: deviceLabel(devices[i]), points: pts});
      }
      if (!HearthCharts.line(box, series, range.from, range.to, H.t('ui.carer.charts.temperature'))) noData(box);
    });
  }

  // kWh used in each hourly bucket of a monotonic counter: rise since the previous bucket's highest
  // value when contiguous, else the rise within the bucket.
  function hourlyUse(points) {
    var out = [];
    for (var i = 0; i < points.length; i++) {
      var p = points[i];
      var hi = typeof p.max === 'number' ? p.max : p.value;
      var lo = typeof p.min === 'number' ? p.min : p.value;
      var prev = i > 0 ? points[i - 1] : null;
      var base = prev && p.ts_ms - prev.ts_ms === HOUR_MS ? (typeof prev.max === 'number' ? prev.max : prev.value) : lo;
      out.push({t: p.ts_ms, v: Math.max(0, hi - base)});
    }
    return out;
  }

  function drawEnergy(devices, range) {
    collect(devices, 'energy_kwh', range, function (results) {
      var box = H.byId('chart-energy');
      H.clear(box);
      var buckets = {};
      var any = false;
      for (var i = 0; i < results.length; i++) {
        var use = hourlyUse(results[i]);
        for (var j = 0; j < use.length; j++) {
          var start = bucketStart(use[j].t, range);
          buckets[start] = (buckets[start] || 0) + use[j].v;
          any = true;
        }
      }
      var bars = [];
      for (var k in buckets) {
        if (buckets.hasOwnProperty(k)) bars.push({t: Number(k), v: buckets[k]});
      }
      if (!any || !HearthCharts.bars(box, bars, range.from, range.to, range.bucket, H.t('ui.carer.charts.energy'))) noData(box);
    });
  }

  function bucketStart(ms, range) {
    if (range.bucket === HOUR_MS) return startOfHour(ms);
    var d = new Date(ms);
    d.setHours(0, 0, 0, 0);
    return d.getTime();
  }

  function setRange(days) {
    rangeDays = days;
    H.byId('range-day').setAttribute('aria-pressed', days === 1 ? 'true' : 'false');
    H.byId('range-week').setAttribute('aria-pressed', days === 7 ? 'true' : 'false');
    loadCharts();
  }

  /* ---- header buttons ---- */

  function switchLanguage() {
    var want = H.language() === 'cy' ? 'en' : 'cy';
    H.rememberLanguage(want);
    H.loadCatalogue(want, function () {
      H.translate(document);
      renderWho();
      renderAlerts();
      renderStatus();
      if (user) {
        loadHistory();
        loadCharts();
      }
    });
  }

  function logout() {
    if (live) live.close();
    live = null;
    H.signOut(function () {
      user = null;
      openAlerts = [];
      showSignIn(false);
    });
  }

  H.byId('language').onclick = switchLanguage;
  H.byId('logout').onclick = logout;
  H.byId('range-day').onclick = function () {
    setRange(1);
  };
  H.byId('range-week').onclick = function () {
    setRange(7);
  };
  start();
})();
