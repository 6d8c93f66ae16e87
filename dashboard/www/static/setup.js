/* Hearth setup page: first-run account creation with the one-time code shown on the TV; then the
 * home's settings (devices, what may leave the home, the wellbeing checks, the householder's data:
 * export and erasure) and, for an admin, the accounts list. ES5. */
(function () {
  'use strict';
  var H = Hearth;

  var MIN_PASSWORD_LENGTH = 10; // the server checks too; this only saves a round trip
  var me = null;

  function only(id) {
    var ids = ['loading', 'first-run', 'signin', 'not-admin', 'admin', 'home-setup'];
    for (var i = 0; i < ids.length; i++) H.show(H.byId(ids[i]), ids[i] === id);
  }

  function start() {
    H.loadCatalogue(H.preferredLanguage(), function () {
      H.translate(document);
      H.byId('setup-language').value = H.language();
      // The session first: on the box itself the page acts as the TV, whose CSRF token every POST needs.
      H.currentSession(function (session) {
        H.request('GET', '/api/v1/setup', null, function (err, data) {
          if (!err && data && data.setup_required) only('first-run');
          else if (session && session.user.role !== 'tv') enter(session);
          else only('signin');
        });
      });
    });
  }

  function enter(session) {
    me = session.user;
    H.byId('who').textContent = H.t('ui.carer.signed_in_as', {name: me.display_name || me.username});
    H.show(H.byId('logout'), true);
    var owner = me.role === 'admin' || me.role === 'householder';
    // Carers and coordinators are told where their own page is; householders need no such note.
    only(me.role === 'admin' ? 'admin' : owner ? 'home-setup' : 'not-admin');
    // Settings of the home: the householder's and the admin's; a carer may tune the wellbeing checks.
    H.show(H.byId('home-setup'), owner || me.role === 'carer');
    H.show(H.byId('devices-panel'), owner);
    H.show(H.byId('consent-panel'), owner);
    H.show(H.byId('data-panel'), owner);
    H.show(H.byId('wellbeing-enabled-label'), owner);
    if (me.role === 'admin') loadAccounts();
    if (owner) {
      loadClaims();
      loadDevices();
      loadConsent();
      loadTariff();
    } else {
      H.show(H.byId('tariff-panel'), false);
      H.show(H.byId('claims-panel'), false);
    }
    if (owner || me.role === 'carer') loadWellbeing();
  }

  function flash(id, text) {
    var notice = H.byId(id);
    notice.textContent = text;
    H.show(notice, !!text);
  }

  function failed(errorId, err) {
    H.byId(errorId).textContent = err ? H.t('ui.common.error', {error: err.message}) : '';
    return !!err;
  }

  /* ---- devices ---- */

  var kinds = [];
  var maySetSafety = false;

  function loadDevices() {
    H.request('GET', '/api/v1/setup/devices', null, function (err, data) {
      if (failed('devices-error', err)) return;
      kinds = data.kinds || [];
      maySetSafety = !!data.may_set_safety;
      var box = H.byId('devices');
      H.clear(box);
      var list = data.devices || [];
      if (!list.length) box.appendChild(H.el('p', 'muted', H.t('ui.setup.devices.none')));
      for (var i = 0; i < list.length; i++) box.appendChild(deviceForm(list[i], i));
    });
  }

  function field(form, labelKey, input, id) {
    var label = H.el('label', null, H.t(labelKey));
    label.setAttribute('for', id);
    input.id = id;
    form.appendChild(label);
    form.appendChild(input);
  }

  function checkbox(form, labelKey, checked, disabled) {
    var label = H.el('label', 'check');
    var box = H.el('input');
    box.type = 'checkbox';
    box.checked = !!checked;
    box.disabled = !!disabled;
    label.appendChild(box);
    label.appendChild(H.el('span', null, ' ' + H.t(labelKey)));
    form.appendChild(label);
    return box;
  }

  function deviceForm(d, n) {
    var s = d.settings || {};
    var wrap = H.el('div', 'device');
    wrap.setAttribute('data-device', d.id);
    wrap.appendChild(H.el('h3', null, s.name || d.announced_name || d.id));
    var seen = d.last_seen_ms ? H.t('ui.setup.devices.seen', {driver: d.driver, model: d.model || d.driver})
                              : H.t('ui.setup.devices.not_seen');
    wrap.appendChild(H.el('p', 'muted', d.id + ' · ' + seen));
    var form = H.el('form', 'form');
    var name = H.el('input');
    name.value = s.name || '';
    name.maxLength = 64;
    name.placeholder = d.announced_name || '';
    field(form, 'ui.setup.devices.name', name, 'device-name-' + n);
    var room = H.el('input');
    room.value = s.room || '';
    room.maxLength = 64;
    field(form, 'ui.setup.devices.room', room, 'device-room-' + n);
    var kind = H.el('select');
    for (var i = 0; i < kinds.length; i++) {
      var option = H.el('option', null, H.t('ui.kind.' + kinds[i]));
      option.value = kinds[i];
      kind.appendChild(option);
    }
    kind.value = s.kind || 'other';
    field(form, 'ui.setup.devices.kind', kind, 'device-kind-' + n);
    var essential = checkbox(form, 'ui.setup.devices.essential', s.essential, !maySetSafety);
    var switchable = checkbox(form, 'ui.setup.devices.switchable', s.switchable, !maySetSafety);
    essential.onchange = function () {
      if (essential.checked) switchable.checked = false; // never switched off, so never switchable
    };
    switchable.onchange = function () {
      if (switchable.checked) essential.checked = false;
    };
    if (!maySetSafety) form.appendChild(H.el('p', 'hint', H.t('ui.setup.devices.safety_admin')));
    var save = H.el('button', null, H.t('ui.setup.save'));
    save.type = 'submit';
    save.setAttribute('aria-label', H.t('ui.setup.save') + ' ' + d.id);
    form.appendChild(save);
    form.onsubmit = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      var body = {name: name.value, room: room.value, kind: kind.value,
                  essential: essential.checked, switchable: switchable.checked};
      H.request('PUT', '/api/v1/setup/devices/' + encodeURIComponent(d.id), body, function (err2) {
        if (failed('devices-error', err2)) return;
        flash('devices-notice', H.t('ui.setup.devices.saved', {name: body.name || d.id}));
      });
      return false;
    };
    wrap.appendChild(form);
    return wrap;
  }

  /* ---- new hearth/v1 devices asking to be claimed (docs/firmware-contract.md) ---- */

  var claimsTimer = null;

  function loadClaims() {
    H.request('GET', '/api/v1/setup/claims', null, function (err, data) {
      if (err && err.status === 503) {
        H.show(H.byId('claims-panel'), false); // no native devices on this box
        return;
      }
      if (failed('claims-error', err)) return;
      H.show(H.byId('claims-panel'), true);
      var box = H.byId('claims');
      var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : '';
      var typed = {};
      var inputs = box.getElementsByTagName('input');
      for (var k = 0; k < inputs.length; k++) typed[inputs[k].id] = inputs[k].value;
      H.clear(box);
      var list = data.claims || [];
      if (!list.length) box.appendChild(H.el('p', 'muted', H.t('ui.setup.claims.none')));
      for (var i = 0; i < list.length; i++) box.appendChild(claimForm(list[i], i, data.accounts));
      for (var id in typed) if (H.byId(id)) H.byId(id).value = typed[id]; // a refresh keeps what was typed
      if (focused && H.byId(focused)) H.byId(focused).focus();
      // Devices ask every minute and are set up in seconds: keep the list current while it is open.
      if (claimsTimer) clearTimeout(claimsTimer);
      claimsTimer = setTimeout(function () {
        if (me) loadClaims();
      }, 5000);
    });
  }

  function claimStatus(c) {
    if (c.state === 'provisioning') return H.t('ui.setup.claims.provisioning', {id: c.id});
    if (c.state === 'sent') return H.t('ui.setup.claims.sent', {id: c.id});
    if (c.state === 'failed') return H.t('ui.setup.claims.failed', {id: c.id, error: c.error});
    if (c.state === 'locked') {
      var minutes = Math.max(1, Math.ceil((c.locked_until_ms - new Date().getTime()) / 60000));
      return H.t('ui.setup.claims.locked', {minutes: minutes});
    }
    return H.t('ui.setup.claims.asking', {id: c.id});
  }

  function claimForm(c, n, accounts) {
    var wrap = H.el('div', 'device');
    wrap.setAttribute('data-claim', c.id);
    wrap.appendChild(H.el('h3', null, c.model || c.id));
    wrap.appendChild(H.el('p', 'muted', claimStatus(c) + (c.firmware ? ' · ' + c.firmware : '')));
    if (c.state !== 'waiting' && c.state !== 'failed') return wrap;
    if (accounts === 'off') {
      wrap.appendChild(H.el('p', 'hint', H.t('ui.setup.claims.off')));
      return wrap;
    }
    var form = H.el('form', 'form');
    var code = H.el('input');
    code.maxLength = 12;
    code.autocomplete = 'off';
    code.setAttribute('autocapitalize', 'characters');
    code.placeholder = '7K3Q-M9TZ';
    code.required = true;
    field(form, 'ui.setup.claims.code', code, 'claim-code-' + n);
    var add = H.el('button', null, H.t('ui.setup.claims.submit'));
    add.type = 'submit';
    add.setAttribute('aria-label', H.t('ui.setup.claims.submit') + ' ' + c.id);
    form.appendChild(add);
    form.onsubmit = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      H.byId('claims-error').textContent = '';
      H.request('POST', '/api/v1/setup/claims/' + encodeURIComponent(c.id), {code: code.value}, function (err) {
        if (err && err.status === 422) {
          H.byId('claims-error').textContent = H.t('ui.setup.claims.wrong_code');
          return;
        }
        if (err && err.status === 429) {
          H.byId('claims-error').textContent =
            H.t('ui.setup.claims.locked', {minutes: Math.max(1, Math.ceil(err.retryAfterS / 60))});
          loadClaims();
          return;
        }
        if (failed('claims-error', err)) return;
        code.value = '';
        flash('claims-notice', H.t('ui.setup.claims.started', {id: c.id}));
        loadClaims();
        setTimeout(loadDevices, 3000);
      });
      return false;
    };
    wrap.appendChild(form);
    return wrap;
  }

  /* ---- consent ---- */

  function loadConsent() {
    H.request('GET', '/api/v1/setup/consent', null, function (err, data) {
      if (failed('consent-error', err)) return;
      H.byId('consent-alerts').checked = !!data.alerts;
      H.byId('consent-summaries').checked = !!data.daily_summaries;
    });
  }

  function submitConsent(e) {
    if (e && e.preventDefault) e.preventDefault();
    var body = {alerts: H.byId('consent-alerts').checked, daily_summaries: H.byId('consent-summaries').checked};
    H.request('PUT', '/api/v1/setup/consent', body, function (err) {
      if (failed('consent-error', err)) return;
      flash('consent-notice', H.t('ui.setup.consent.saved'));
    });
    return false;
  }

  /* ---- the tariff: the three figures on a bill; the rest of the tariff (bands, gas) is kept ---- */

  var tariff = null;

  function showTariff(data) {
    tariff = data.tariff;
    var e = tariff.electricity || {};
    H.byId('tariff-current').textContent =
      H.t(data.edited ? 'ui.setup.tariff.edited' : 'ui.setup.tariff.current', {name: tariff.name || tariff.id});
    H.byId('tariff-unit-rate').value = String(e.unit_rate_p_per_kwh);
    H.byId('tariff-standing').value = String(e.standing_charge_p_per_day);
    H.byId('tariff-prepayment').checked = !!tariff.prepayment;
    H.show(H.byId('tariff-bands'), !!(e.bands && e.bands.length));
  }

  function loadTariff() {
    H.request('GET', '/api/v1/energy/tariff', null, function (err, data) {
      H.show(H.byId('tariff-panel'), !err); // energy accounting may be off in this home
      if (!err) showTariff(data);
    });
  }

  // Pence as typed on a phone: "24.5" or "24,5"; nothing negative or absurd.
  function pence(id) {
    var text = H.byId(id).value.replace(',', '.').replace(/^\s+|\s+$/g, '');
    var value = /^\d+(\.\d+)?$/.test(text) ? parseFloat(text) : NaN;
    return value >= 0 && value <= 1000 ? value : NaN;
  }

  function submitTariff(e) {
    if (e && e.preventDefault) e.preventDefault();
    var unit = pence('tariff-unit-rate');
    var standing = pence('tariff-standing');
    H.show(H.byId('tariff-notice'), false);
    if (!tariff || isNaN(unit) || isNaN(standing)) {
      H.byId('tariff-error').textContent = H.t('ui.setup.tariff.invalid');
      return false;
    }
    var body = JSON.parse(JSON.stringify(tariff));
    body.electricity.unit_rate_p_per_kwh = unit;
    body.electricity.standing_charge_p_per_day = standing;
    body.prepayment = H.byId('tariff-prepayment').checked;
    H.request('PUT', '/api/v1/energy/tariff', body, function (err, data) {
      if (failed('tariff-error', err)) return;
      showTariff(data);
      flash('tariff-notice', H.t('ui.setup.tariff.saved'));
    });
    return false;
  }

  /* ---- wellbeing checks ---- */

  function loadWellbeing() {
    H.request('GET', '/api/v1/setup/rules', null, function (err, data) {
      if (failed('wellbeing-error', err)) return;
      H.byId('wellbeing-enabled').checked = !!data.wellbeing_enabled;
      H.byId('wellbeing-sensitivity').value = data.wellbeing_sensitivity || 'normal';
    });
  }

  function submitWellbeing(e) {
    if (e && e.preventDefault) e.preventDefault();
    var body = {wellbeing_sensitivity: H.byId('wellbeing-sensitivity').value};
    if (me && (me.role === 'admin' || me.role === 'householder')) body.wellbeing_enabled = H.byId('wellbeing-enabled').checked;
    H.request('PUT', '/api/v1/setup/rules', body, function (err) {
      if (failed('wellbeing-error', err)) return;
      flash('wellbeing-notice', H.t('ui.setup.wellbeing.saved'));
    });
    return false;
  }

  /* ---- the householder's data ---- */

  function submitExportDay(e) {
    if (e && e.preventDefault) e.preventDefault();
    var day = H.byId('export-day').value;
    if (day) window.location.href = '/api/v1/export/readings?day=' + encodeURIComponent(day);
    return false;
  }

  function submitErase(e) {
    if (e && e.preventDefault) e.preventDefault();
    flash('erase-notice', '');
    if (!H.byId('erase-confirm').checked) {
      H.byId('erase-error').textContent = H.t('ui.setup.data.erase_tick');
      return false;
    }
    var body = {confirm: 'erase', password: H.byId('erase-password').value};
    H.request('POST', '/api/v1/data/erase', body, function (err, data) {
      H.byId('erase-password').value = '';
      H.byId('erase-confirm').checked = false;
      if (err && err.status === 403) {
        H.byId('erase-error').textContent = H.t('ui.setup.data.erase_password_wrong');
        return;
      }
      if (failed('erase-error', err)) return;
      flash('erase-notice', H.t('ui.setup.data.erased', {readings: data.erased.readings, alerts: data.erased.alerts}));
    });
    return false;
  }

  /* ---- first run ---- */

  function submitFirstRun(e) {
    if (e && e.preventDefault) e.preventDefault();
    var error = H.byId('first-run-error');
    error.textContent = '';
    var password = H.byId('setup-password').value;
    if (password.length < MIN_PASSWORD_LENGTH) {
      error.textContent = H.t('ui.setup.error.short');
      return false;
    }
    if (password !== H.byId('setup-password-repeat').value) {
      error.textContent = H.t('ui.setup.error.mismatch');
      return false;
    }
    var body = {
      code: H.byId('setup-code').value.replace(/\s+/g, ''),
      username: H.byId('setup-username').value,
      password: password,
      display_name: H.byId('setup-display-name').value || H.byId('setup-username').value,
      language: H.byId('setup-language').value
    };
    H.request('POST', '/api/v1/setup', body, function (err, data) {
      if (err) {
        if (err.status === 403 && !/csrf/i.test(err.message)) error.textContent = H.t('ui.setup.error.code');
        else if (err.status === 409) {
          H.show(H.byId('already-set-up'), true);
          only('signin');
        } else error.textContent = H.t('ui.common.error', {error: err.message});
        return;
      }
      H.byId('setup-password').value = '';
      H.byId('setup-password-repeat').value = '';
      H.setCsrf(data.csrf_token);
      H.rememberLanguage(body.language);
      H.loadCatalogue(body.language, function () {
        H.translate(document);
        enter(data);
      });
    });
    return false;
  }

  /* ---- accounts ---- */

  function loadAccounts() {
    H.request('GET', '/api/v1/users', null, function (err, data) {
      var error = H.byId('accounts-error');
      error.textContent = err ? H.t('ui.common.error', {error: err.message}) : '';
      if (err) return;
      renderAccounts(data && data.users ? data.users : data || []);
    });
  }

  function renderAccounts(users) {
    var body = H.byId('accounts');
    H.clear(body);
    for (var i = 0; i < users.length; i++) body.appendChild(accountRow(users[i]));
  }

  function accountRow(u) {
    var tr = H.el('tr');
    tr.setAttribute('data-username', u.username);
    var name = H.el('td', 'account-name');
    name.appendChild(H.el('strong', null, u.username));
    if (u.display_name && u.display_name !== u.username) name.appendChild(H.el('div', 'muted', u.display_name));
    tr.appendChild(name);
    tr.appendChild(H.el('td', null, H.t('ui.role.' + u.role)));
    var cell = H.el('td');
    if (me && u.username === me.username) {
      cell.appendChild(H.el('span', 'muted', H.t('ui.setup.accounts.you')));
    } else {
      var del = H.el('button', null, H.t('ui.setup.accounts.delete'));
      del.type = 'button';
      del.setAttribute('aria-label', H.t('ui.setup.accounts.delete') + ' ' + u.username);
      del.onclick = function () {
        removeAccount(u.username);
      };
      cell.appendChild(del);
    }
    tr.appendChild(cell);
    return tr;
  }

  function removeAccount(username) {
    if (!window.confirm(H.t('ui.setup.accounts.delete_confirm', {username: username}))) return;
    H.show(H.byId('accounts-notice'), false);
    H.request('DELETE', '/api/v1/users/' + encodeURIComponent(username), null, function (err) {
      H.byId('accounts-error').textContent = err ? H.t('ui.common.error', {error: err.message}) : '';
      loadAccounts();
    });
  }

  function submitAdd(e) {
    if (e && e.preventDefault) e.preventDefault();
    var error = H.byId('add-error');
    error.textContent = '';
    var password = H.byId('add-password').value;
    if (password.length < MIN_PASSWORD_LENGTH) {
      error.textContent = H.t('ui.setup.error.short');
      return false;
    }
    var body = {
      username: H.byId('add-username').value,
      password: password,
      display_name: H.byId('add-display-name').value || H.byId('add-username').value,
      role: H.byId('add-role').value,
      language: H.byId('add-language').value
    };
    H.request('POST', '/api/v1/users', body, function (err) {
      if (err) {
        error.textContent = H.t('ui.common.error', {error: err.message});
        return;
      }
      H.byId('add-form').reset();
      var notice = H.byId('accounts-notice');
      notice.textContent = H.t('ui.setup.accounts.created', {username: body.username});
      H.show(notice, true);
      loadAccounts();
    });
    return false;
  }

  /* ---- header ---- */

  function switchLanguage() {
    var want = H.language() === 'cy' ? 'en' : 'cy';
    H.rememberLanguage(want);
    H.loadCatalogue(want, function () {
      H.translate(document);
      if (me) {
        H.byId('who').textContent = H.t('ui.carer.signed_in_as', {name: me.display_name || me.username});
        enter({user: me});
      }
    });
  }

  function logout() {
    H.signOut(function () {
      me = null;
      H.byId('who').textContent = '';
      H.show(H.byId('logout'), false);
      H.show(H.byId('home-setup'), false);
      only('signin');
    });
  }

  H.byId('first-run-form').onsubmit = submitFirstRun;
  H.byId('add-form').onsubmit = submitAdd;
  H.byId('consent-form').onsubmit = submitConsent;
  H.byId('tariff-form').onsubmit = submitTariff;
  H.byId('wellbeing-form').onsubmit = submitWellbeing;
  H.byId('export-day-form').onsubmit = submitExportDay;
  H.byId('export-all').onclick = function () {
    window.location.href = '/api/v1/export'; // an attachment: the page stays
  };
  H.byId('erase-form').onsubmit = submitErase;
  H.byId('language').onclick = switchLanguage;
  H.byId('logout').onclick = logout;
  H.wireLogin('login', function (session) {
    enter(session);
  });
  start();
})();
