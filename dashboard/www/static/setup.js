/* Hearth setup page: first-run account creation with the one-time code shown on the TV, then the
 * admin's accounts list (create carers, householders, coordinators, admins; delete). ES5. */
(function () {
  'use strict';
  var H = Hearth;

  var MIN_PASSWORD_LENGTH = 10; // the server checks too; this only saves a round trip
  var me = null;

  function only(id) {
    var ids = ['loading', 'first-run', 'signin', 'not-admin', 'admin'];
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
    if (me.role !== 'admin') {
      only('not-admin');
      return;
    }
    only('admin');
    loadAccounts();
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
        loadAccounts();
      }
    });
  }

  function logout() {
    H.signOut(function () {
      me = null;
      H.byId('who').textContent = '';
      H.show(H.byId('logout'), false);
      only('signin');
    });
  }

  H.byId('first-run-form').onsubmit = submitFirstRun;
  H.byId('add-form').onsubmit = submitAdd;
  H.byId('language').onclick = switchLanguage;
  H.byId('logout').onclick = logout;
  H.wireLogin('login', function (session) {
    enter(session);
  });
  start();
})();
