/* Hearth TV view: rotating cards, alert banner, call back, away and language, all by remote.
 * ES5 (old TV browsers). Keys: arrows move, Enter/OK chooses, Back (Escape, Backspace, BrowserBack,
 * GoBack, TV vendors' back codes) closes the dialog or returns to the cards. */
(function () {
  'use strict';
  var H = Hearth;

  var ROTATE_S = rotationSeconds(); // ?rotate=N overrides the 12 s default (a slower TV, or tests)
  var PAUSE_AFTER_KEY_MS = 30000; // rotation waits this long after the last key press
  var SETUP_POLL_MS = 3000;
  var REFRESH_MS = 300000; // safety net under the live stream (each read is audited: keep it rare)
  var STATUS_SHOW_MS = 20000;
  var ROOMS_PER_CARD = 3; // also appliances per card: what stays legible at 10 feet

  var home = null;
  var cards = [];
  var cardIndex = 0;
  var lastCardChange = 0;
  var lastKey = 0;
  var dialogOpen = false;
  var started = false;
  var statusTimer = null;
  var returnFocus = null;

  function rotationSeconds() {
    var m = /[?&]rotate=(\d+)/.exec(window.location.search);
    var s = m ? parseInt(m[1], 10) : 12;
    return s >= 2 ? s : 12;
  }

  function now() {
    return new Date().getTime();
  }

  function showOnly(id) {
    var ids = ['loading', 'setup', 'signin', 'main'];
    for (var i = 0; i < ids.length; i++) H.show(H.byId(ids[i]), ids[i] === id);
  }

  /* ---- start: setup code first, then the home ---- */

  function start() {
    H.request('GET', '/api/v1/setup', null, function (err, data) {
      if (err) {
        offline(true);
        setTimeout(start, SETUP_POLL_MS);
        return;
      }
      offline(false);
      if (data.setup_required) showSetup(data.code || '', data.tls_fingerprint_sha256 || '');
      else startHome();
    });
  }

  function showSetup(code, fingerprint) {
    var render = function () {
      var url = isLoopbackPage() ? '/setup/' : window.location.protocol + '//' + window.location.host + '/setup/';
      H.byId('setup-instruction').textContent = H.t('ui.tv.setup.instruction', {url: url});
      H.byId('setup-code').textContent = code;
      // HTTPS with a self-signed certificate: what the phone must show before anyone types a password.
      H.byId('setup-fingerprint').textContent = fingerprintLines(fingerprint);
      H.show(H.byId('setup-tls'), fingerprint !== '');
      H.translate(H.byId('setup'));
      showOnly('setup');
    };
    if (H.t('ui.tv.setup.heading') === 'ui.tv.setup.heading') H.loadCatalogue(H.preferredLanguage(), render);
    else render();
    setTimeout(start, SETUP_POLL_MS);
  }

  // 32 bytes in four lines of eight, as easy to compare by eye as such a thing can be.
  function fingerprintLines(fingerprint) {
    var bytes = fingerprint.split(':');
    var lines = [];
    for (var i = 0; i < bytes.length; i += 8) lines.push(bytes.slice(i, i + 8).join(':'));
    return lines.join('\n');
  }

  // The box's own screen knows itself only as localhost, which is no use to a phone.
  function isLoopbackPage() {
    var h = window.location.hostname;
    return h === 'localhost' || h === '::1' || h === '[::1]' || h.indexOf('127.') === 0;
  }

  function startHome() {
    H.currentSession(function (session, err) {
      if (err) {
        offline(true);
        setTimeout(startHome, SETUP_POLL_MS);
        return;
      }
      if (!session) {
        showSignIn();
        return;
      }
      loadHome(function () {
        if (started) return;
        started = true;
        lastCardChange = now();
        showOnly('main');
        fitCards();
        focus(H.byId('cards'));
        H.listen({alert: onAlertEvent, home: onHomeEvent}, function (up) {
          offline(!up);
          if (up) refresh();
        });
        setInterval(tick, 1000);
        setInterval(refresh, REFRESH_MS);
      });
    });
  }

  function showSignIn() {
    H.loadCatalogue(H.preferredLanguage(), function () {
      H.translate(H.byId('signin'));
      showOnly('signin');
      focus(H.byId('login-username'));
      H.wireLogin('login', function () {
        startHome();
      });
    });
  }

  function loadHome(done) {
    H.request('GET', '/api/v1/home', null, function (err, data) {
      if (err) {
        offline(true);
        setTimeout(function () {
          loadHome(done);
        }, SETUP_POLL_MS);
        return;
      }
      offline(false);
      applyHome(data, done);
    });
  }

  function refresh() {
    H.request('GET', '/api/v1/home', null, function (err, data) {
      if (!err) applyHome(data);
    });
  }

  // A new summary; reloads the catalogue first when the home's language changed.
  function applyHome(data, done) {
    var languageChanged = !home || data.language !== H.language();
    home = data;
    var finish = function () {
      render();
      if (done) done();
    };
    if (languageChanged) {
      H.loadCatalogue(data.language, function () {
        H.translate(document);
        finish();
      });
    } else {
      finish();
    }
  }

  function offline(isOffline) {
    var node = H.byId('offline');
    var text = H.t('ui.common.live_lost');
    node.textContent = text === 'ui.common.live_lost' ? 'Reconnecting…' : text; // before the catalogue loads
    H.show(node, isOffline);
  }

  /* ---- live events ---- */

  function onAlertEvent(alert) {
    if (!home || !alert || !alert.id) return;
    home.alerts = H.mergeAlert(home.alerts || [], alert);
    renderBanner();
  }

  function onHomeEvent(summary) {
    if (summary && summary.rooms) applyHome(summary);
    else refresh();
  }

  /* ---- rendering ---- */

  function render() {
    renderClock();
    renderBanner();
    renderCards();
    renderControls();
  }

  function renderClock() {
    H.byId('clock').textContent = H.formatTime(now());
  }

  function renderBanner() {
    var banner = H.byId('banner');
    var open = H.sortAlerts((home && home.alerts) || []);
    if (open.length === 0) {
      H.show(banner, false);
      fitCards();
      return;
    }
    var top = open[0];
    banner.className = 'tv-banner severity-' + (top.severity || 'info') + (top.state === 'acknowledged' ? ' seen' : '');
    H.byId('banner-severity').textContent = H.t('ui.severity.' + (top.severity || 'info'));
    var text = H.alertText(top);
    if (open.length > 1) text += ' (' + H.t('ui.tv.alert.more', {count: open.length - 1}) + ')';
    H.byId('banner-text').textContent = text;
    var seen = top.state === 'acknowledged';
    H.byId('banner-status').textContent = (seen ? '\u2713 ' : '') + H.t(seen ? 'ui.tv.alert.seen' : 'ui.tv.alert.telling');
    H.show(banner, true);
    fitCards();
  }

  function renderControls() {
    var away = !!(home && home.away);
    var button = H.byId('away');
    button.setAttribute('aria-checked', away ? 'true' : 'false');
    button.className = 'tv-button tv-away nav' + (away ? ' on' : '');
    H.byId('away-state').textContent = H.t(away ? 'ui.tv.away.on' : 'ui.tv.away.off');
    // The switch names the other language in that language.
    H.byId('language').setAttribute('lang', H.language() === 'cy' ? 'en' : 'cy');
  }

  function buildCards() {
    var list = [{id: 'energy', title: 'ui.tv.card.energy.title', draw: drawEnergy}];
    if (home && home.energy && (home.energy.appliances || []).length > 0) {
      list.push({id: 'appliances', title: 'ui.tv.card.energy.biggest', draw: drawAppliances});
    }
    var rooms = (home && home.rooms) || [];
    // A card holds what fits at 10 feet; more rooms go on further cards, so the buttons stay on screen.
    for (var r = 0; r === 0 || r < rooms.length; r += ROOMS_PER_CARD) {
      list.push({id: r === 0 ? 'rooms' : 'rooms-' + (r / ROOMS_PER_CARD + 1), title: 'ui.tv.card.rooms.title',
        draw: roomsDrawer(rooms.slice(r, r + ROOMS_PER_CARD))});
    }
    var advice = (home && home.advice) || [];
    for (var i = 0; i < advice.length; i++) list.push({id: 'advice-' + i, title: 'ui.tv.card.advice.title', draw: adviceDrawer(advice[i])});
    if (home && home.wellbeing && wellbeingIsWell(home.wellbeing)) {
      list.push({id: 'wellbeing', title: 'ui.tv.card.wellbeing.title', draw: drawWellbeing});
    }
    return list;
  }

  function renderCards() {
    var currentId = cards.length > 0 ? cards[cardIndex].id : '';
    cards = buildCards();
    cardIndex = 0;
    for (var i = 0; i < cards.length; i++) {
      if (cards[i].id === currentId) cardIndex = i;
    }
    drawCard();
  }

  function drawCard() {
    var card = cards[cardIndex];
    var box = H.byId('card');
    H.clear(box);
    box.setAttribute('data-card', card.id);
    box.appendChild(H.el('h2', 'tv-card-title', H.t(card.title)));
    card.draw(box);
    var dots = H.byId('card-dots');
    H.clear(dots);
    for (var i = 0; i < cards.length; i++) dots.appendChild(H.el('span', i === cardIndex ? 'dot current' : 'dot'));
    H.byId('cards').setAttribute('aria-label', H.t('ui.tv.cards.label', {n: cardIndex + 1, total: cards.length}));
    fitCards();
  }

  // The cards take the room between the banner and the pinned buttons; a card that holds more is
  // cut off at the bottom rather than hidden behind the buttons.
  function fitCards() {
    var box = H.byId('cards');
    if (H.byId('main').hasAttribute('hidden')) return;
    var room = H.byId('bottom').getBoundingClientRect().top - box.getBoundingClientRect().top - 16;
    box.style.height = Math.max(120, Math.floor(room)) + 'px';
  }

  function drawEnergy(box) {
    var e = home.energy;
    if (!e) {
      box.appendChild(H.el('p', 'tv-big', H.t('ui.tv.card.energy.not_measured')));
      return;
    }
    if (typeof e.today_cost_pence === 'number') {
      box.appendChild(H.el('p', 'tv-big', H.t('ui.tv.card.energy.cost_today', {cost: H.formatPence(e.today_cost_pence)})));
    }
    if (typeof e.usual_cost_pence === 'number') {
      box.appendChild(H.el('p', null, H.t('ui.tv.card.energy.usual', {cost: H.formatPence(e.usual_cost_pence)})));
    }
    if (typeof e.today_kwh === 'number') {
      box.appendChild(H.el('p', null, H.t('ui.tv.card.energy.kwh_today', {kwh: H.formatNumber(e.today_kwh, 1)})));
    }
  }

  function drawAppliances(box) {
    var top = home.energy.appliances;
    var list = H.el('ul', 'tv-list');
    for (var i = 0; i < top.length && i < ROOMS_PER_CARD; i++) {
      var a = top[i];
      var amount = typeof a.cost_pence === 'number' ? '£' + H.formatPence(a.cost_pence) : H.formatNumber(a.energy_kwh, 1) + ' kWh';
      list.appendChild(H.el('li', 'tv-medium', (a.name || a.device_id || '') + ': ' + amount));
    }
    box.appendChild(list);
  }

  function roomsDrawer(rooms) {
    return function (box) {
      drawRooms(box, rooms);
    };
  }

  function drawRooms(box, rooms) {
    if (rooms.length === 0) {
      box.appendChild(H.el('p', 'tv-big', H.t('ui.tv.card.rooms.none')));
      return;
    }
    var list = H.el('ul', 'tv-rooms');
    for (var i = 0; i < rooms.length; i++) {
      var r = rooms[i];
      var item = H.el('li', 'tv-room');
      item.appendChild(H.el('span', 'tv-room-name', r.room));
      item.appendChild(document.createTextNode(' ')); // spoken and copied as words, not run together
      item.appendChild(H.el('span', 'tv-room-temp', H.formatNumber(r.temperature_c, 1) + ' °C'));
      item.appendChild(document.createTextNode(' '));
      item.appendChild(H.el('span', 'chip room-' + r.state, H.t('ui.room.state.' + r.state)));
      list.appendChild(item);
    }
    box.appendChild(list);
  }

  function adviceDrawer(advice) {
    return function (box) {
      var text = typeof advice.text === 'string' ? advice.text : H.alertText(advice);
      box.appendChild(H.el('p', 'tv-medium', text));
      var pence = advice.saving_pence_per_year;
      if (typeof pence === 'number' && pence > 0) {
        box.appendChild(H.el('p', 'tv-big', H.t('ui.tv.card.advice.saving', {pounds: Math.round(pence / 100)})));
      }
    };
  }

  // Only a positive statement is shown; anything worrying reaches the carer as an alert instead.
  function wellbeingIsWell(w) {
    return !w.warming_up && (w.all_is_well === true || w.status === 'ok' || w.status === 'all_is_well');
  }

  function drawWellbeing(box) {
    box.appendChild(H.el('p', 'tv-big tv-well', '\u2713 ' + H.t('ui.tv.card.wellbeing.all_well')));
  }

  function stepCard(delta) {
    if (cards.length === 0) return;
    cardIndex = (cardIndex + delta + cards.length) % cards.length;
    lastCardChange = now();
    drawCard();
  }

  function tick() {
    var t = now();
    if (t % 10000 < 1000) renderClock();
    if (dialogOpen || t - lastKey < PAUSE_AFTER_KEY_MS) return;
    if (t - lastCardChange >= ROTATE_S * 1000) stepCard(1);
  }

  /* ---- actions ---- */

  function setStatus(text) {
    var node = H.byId('status');
    node.textContent = text;
    if (statusTimer) clearTimeout(statusTimer);
    statusTimer = setTimeout(function () {
      node.textContent = '';
    }, STATUS_SHOW_MS);
  }

  function toggleAway() {
    var want = !(home && home.away);
    H.request('POST', '/api/v1/home/away', {away: want}, function (err, data) {
      if (err) {
        setStatus(H.t('ui.tv.action_failed'));
        return;
      }
      applyHome(data);
    });
  }

  function switchLanguage() {
    var want = H.language() === 'cy' ? 'en' : 'cy';
    H.request('POST', '/api/v1/home/language', {language: want}, function (err, data) {
      if (err) {
        setStatus(H.t('ui.tv.action_failed'));
        return;
      }
      applyHome(data);
    });
  }

  function openDialog() {
    dialogOpen = true;
    returnFocus = document.activeElement;
    H.show(H.byId('dialog'), true);
    focus(H.byId('dialog-no')); // the safe choice is under the finger first
  }

  function closeDialog() {
    dialogOpen = false;
    H.show(H.byId('dialog'), false);
    focus(returnFocus || H.byId('callback'));
  }

  function askForCallBack() {
    closeDialog();
    H.request('POST', '/api/v1/callback', {}, function (err, data) {
      if (err) {
        setStatus(H.t('ui.tv.action_failed'));
        return;
      }
      setStatus(H.t('ui.tv.callback.sent'));
      if (data && data.alert) onAlertEvent(data.alert);
    });
  }

  /* ---- remote control: spatial focus over rows of controls ---- */

  function rows() {
    if (dialogOpen) return [[H.byId('dialog-yes'), H.byId('dialog-no')]];
    if (!H.byId('signin').hasAttribute('hidden')) {
      return [[H.byId('login-username')], [H.byId('login-password')], [H.byId('login-submit')]];
    }
    return [[H.byId('cards')], [H.byId('callback'), H.byId('away'), H.byId('language')]];
  }

  function focus(node) {
    if (node && node.focus) node.focus();
  }

  function position(grid, node) {
    for (var r = 0; r < grid.length; r++) {
      for (var c = 0; c < grid[r].length; c++) {
        if (grid[r][c] === node) return {row: r, col: c};
      }
    }
    return null;
  }

  function move(dRow, dCol) {
    var grid = rows();
    var at = position(grid, document.activeElement);
    if (!at) {
      focus(grid[0][0]);
      return;
    }
    var row = Math.max(0, Math.min(grid.length - 1, at.row + dRow));
    var col = dRow !== 0 ? Math.min(at.col, grid[row].length - 1) : Math.max(0, Math.min(grid[row].length - 1, at.col + dCol));
    focus(grid[row][col]);
  }

  var BACK_KEYS = {Escape: 1, Esc: 1, Backspace: 1, BrowserBack: 1, GoBack: 1, Back: 1, Exit: 1, Cancel: 1};
  var BACK_CODES = {27: 1, 8: 1, 166: 1, 461: 1, 10009: 1}; // Esc, Backspace, BrowserBack, LG webOS, Samsung Tizen

  function keyOf(e) {
    var k = e.key;
    var c = e.keyCode || e.which;
    if (k === 'ArrowLeft' || k === 'Left' || c === 37) return 'left';
    if (k === 'ArrowRight' || k === 'Right' || c === 39) return 'right';
    if (k === 'ArrowUp' || k === 'Up' || c === 38) return 'up';
    if (k === 'ArrowDown' || k === 'Down' || c === 40) return 'down';
    if (k === 'Enter' || k === 'Select' || k === 'Accept' || c === 13) return 'enter'; // OK on remotes
    if (BACK_KEYS[k] || BACK_CODES[c]) return k === 'Escape' || k === 'Esc' || c === 27 ? 'escape' : 'back';
    return '';
  }

  function isTextField(node) {
    return node && (node.tagName === 'INPUT' || node.tagName === 'TEXTAREA');
  }

  function onKey(e) {
    var key = keyOf(e);
    if (!key) return;
    var target = document.activeElement;
    // In a text box, left/right move the caret, Backspace deletes and Enter submits.
    if (isTextField(target) && key !== 'up' && key !== 'down' && key !== 'escape') return;
    lastKey = now();
    if (e.preventDefault) e.preventDefault();
    if (key === 'back' || key === 'escape') {
      if (dialogOpen) closeDialog();
      else if (started) {
        focus(H.byId('cards'));
        lastKey = 0; // back at the cards: let them rotate again
      }
      return;
    }
    if (key === 'enter') {
      activate(target);
      return;
    }
    if (target === H.byId('cards') && (key === 'left' || key === 'right')) {
      stepCard(key === 'left' ? -1 : 1);
      return;
    }
    if (key === 'up') move(-1, 0);
    else if (key === 'down') move(1, 0);
    else if (key === 'left') move(0, -1);
    else move(0, 1);
  }

  function activate(node) {
    if (node === H.byId('cards')) stepCard(1);
    else if (node && node.click) node.click();
  }

  function wire() {
    document.addEventListener('keydown', onKey, false);
    window.addEventListener('resize', fitCards, false);
    H.byId('callback').onclick = openDialog;
    H.byId('away').onclick = toggleAway;
    H.byId('language').onclick = switchLanguage;
    H.byId('dialog-yes').onclick = askForCallBack;
    H.byId('dialog-no').onclick = closeDialog;
  }

  wire();
  start();
})();
