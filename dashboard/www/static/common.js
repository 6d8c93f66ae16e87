/* Hearth: helpers shared by the TV, carer and setup pages.
 * ES5 on purpose (old TV browsers): no let/const, arrow functions, fetch or modules;
 * XMLHttpRequest and EventSource only. Everything hangs off one global, Hearth. */
var Hearth = (function () {
  'use strict';

  var csrfToken = '';
  var messages = {};
  var language = 'en';

  /* ---- JSON over XMLHttpRequest ---- */

  // done(error, data, xhr): error is null for 2xx, else {status, message, retryAfterS}.
  function request(method, path, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, path, true);
    xhr.setRequestHeader('Accept', 'application/json');
    if (method !== 'GET' && method !== 'HEAD') {
      xhr.setRequestHeader('Content-Type', 'application/json');
      // The server refuses state changes made with a session cookie but without this header (CSRF).
      if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    }
    xhr.timeout = 20000;
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) return;
      var data = null;
      if (xhr.responseText) {
        try {
          data = JSON.parse(xhr.responseText);
        } catch (e) {
          data = null;
        }
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        done(null, data, xhr);
        return;
      }
      var retry = parseInt(xhr.getResponseHeader('Retry-After') || '', 10);
      done({
        status: xhr.status,
        message: data && data.error ? data.error : xhr.status === 0 ? 'no connection' : 'HTTP ' + xhr.status,
        retryAfterS: isNaN(retry) ? 0 : retry
      }, data, xhr);
    };
    xhr.send(body === undefined || body === null ? null : JSON.stringify(body));
  }

  function setCsrf(token) {
    csrfToken = token || '';
  }

  /* ---- message catalogue (GET /api/v1/catalogue) ---- */

  function loadCatalogue(lang, done) {
    var wanted = lang === 'cy' ? 'cy' : 'en';
    request('GET', '/api/v1/catalogue?lang=' + wanted, null, function (err, data) {
      if (!err && data && data.messages) {
        messages = data.messages;
        language = data.language || wanted;
        document.documentElement.lang = language;
      }
      done(err);
    });
  }

  // Fills {name} placeholders; a missing parameter stays visible as {name}, an unknown key as the key.
  function fill(text, params) {
    return String(text).replace(/\{([a-z_]+)\}/g, function (whole, name) {
      return params && params.hasOwnProperty(name) ? String(params[name]) : whole;
    });
  }

  function t(key, params) {
    return messages.hasOwnProperty(key) ? fill(messages[key], params) : key;
  }

  // Elements say which message they show: data-t (text), data-t-placeholder, data-t-label (aria-label).
  function translate(root) {
    var i, nodes;
    var scope = root || document;
    nodes = scope.querySelectorAll('[data-t]');
    for (i = 0; i < nodes.length; i++) nodes[i].textContent = t(nodes[i].getAttribute('data-t'));
    nodes = scope.querySelectorAll('[data-t-placeholder]');
    for (i = 0; i < nodes.length; i++) nodes[i].setAttribute('placeholder', t(nodes[i].getAttribute('data-t-placeholder')));
    nodes = scope.querySelectorAll('[data-t-label]');
    for (i = 0; i < nodes.length; i++) nodes[i].setAttribute('aria-label', t(nodes[i].getAttribute('data-t-label')));
  }

  // Alert text arrives rendered in both languages (docs/alerts.md).
  function alertText(alert) {
    if (!alert || !alert.text) return alert && alert.id ? alert.id : '';
    return alert.text[language] || alert.text.en || '';
  }

  /* ---- live updates: Server-Sent Events with reconnect ---- */

  // handlers: {eventName: function(data)}; onState(connected) is told about every open and loss, so a
  // page can re-read what it may have missed while disconnected.
  function listen(handlers, onState) {
    var source = null;
    var delayMs = 1000;
    function report(up) {
      if (onState) onState(up);
    }
    function subscribe(name) {
      source.addEventListener(name, function (e) {
        var data = null;
        try {
          data = JSON.parse(e.data);
        } catch (ignored) {
          data = null;
        }
        handlers[name](data);
      });
    }
    function open() {
      if (typeof EventSource === 'undefined') return;
      source = new EventSource('/api/v1/events');
      source.onopen = function () {
        delayMs = 1000;
        report(true);
      };
      source.onerror = function () {
        report(false);
        // CONNECTING: the browser retries by itself. CLOSED (an HTTP error): we retry, backing off.
        if (source.readyState === 2) {
          source.close();
          setTimeout(open, delayMs);
          delayMs = Math.min(delayMs * 2, 30000);
        }
      };
      for (var name in handlers) {
        if (handlers.hasOwnProperty(name)) subscribe(name);
      }
    }
    open();
    return {
      close: function () {
        if (source) source.close();
      }
    };
  }

  /* ---- small DOM and formatting helpers ---- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function show(node, visible) {
    if (visible) node.removeAttribute('hidden');
    else node.setAttribute('hidden', '');
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function two(n) {
    return n < 10 ? '0' + n : String(n);
  }

  // Local wall time "14:05"; with the date ("03/02 14:05") when not today.
  function formatTime(ms) {
    if (ms === null || ms === undefined) return '';
    var d = new Date(ms);
    var now = new Date();
    var hm = two(d.getHours()) + ':' + two(d.getMinutes());
    if (d.toDateString() === now.toDateString()) return hm;
    return two(d.getDate()) + '/' + two(d.getMonth() + 1) + ' ' + hm;
  }

  function formatPence(pence) {
    return (Math.round(pence) / 100).toFixed(2);
  }

  function formatNumber(value, digits) {
    return typeof value === 'number' && isFinite(value) ? value.toFixed(digits) : '–';
  }

  var SEVERITY_RANK = {info: 0, warning: 1, urgent: 2, emergency: 3};

  // Most severe first, then newest first.
  function sortAlerts(alerts) {
    return alerts.slice().sort(function (a, b) {
      var bySeverity = (SEVERITY_RANK[b.severity] || 0) - (SEVERITY_RANK[a.severity] || 0);
      return bySeverity !== 0 ? bySeverity : (b.raised_ms || 0) - (a.raised_ms || 0);
    });
  }

  function isOpen(alert) {
    return alert && alert.state !== 'resolved';
  }

  // Replaces (or adds) an alert by id in a list of open alerts, dropping it once resolved.
  function mergeAlert(alerts, alert) {
    var out = [];
    for (var i = 0; i < alerts.length; i++) {
      if (alerts[i].id !== alert.id) out.push(alerts[i]);
    }
    if (isOpen(alert)) out.push(alert);
    return out;
  }

  /* ---- the sign-in form used by the carer, setup and TV pages ---- */

  // Wires the form with ids <prefix>-username, -password, -error; onSignedIn(session) on success.
  function wireLogin(prefix, onSignedIn) {
    var form = byId(prefix + '-form');
    var error = byId(prefix + '-error');
    form.onsubmit = function (e) {
      if (e && e.preventDefault) e.preventDefault();
      error.textContent = '';
      var body = {username: byId(prefix + '-username').value, password: byId(prefix + '-password').value};
      request('POST', '/api/v1/session', body, function (err, data) {
        if (err) {
          if (err.status === 401) error.textContent = t('ui.login.failed');
          else if (err.status === 429) error.textContent = t('ui.login.locked', {minutes: Math.max(1, Math.ceil(err.retryAfterS / 60))});
          else error.textContent = t('ui.common.error', {error: err.message});
          return;
        }
        byId(prefix + '-password').value = '';
        setCsrf(data.csrf_token);
        onSignedIn(data);
      });
      return false;
    };
  }

  // GET /api/v1/session: done(session or null when not signed in, error for anything else).
  function currentSession(done) {
    request('GET', '/api/v1/session', null, function (err, data) {
      if (err) {
        done(null, err.status === 401 ? null : err);
        return;
      }
      setCsrf(data.csrf_token);
      done(data, null);
    });
  }

  // Afterwards the session is re-read: on the box itself the page falls back to the TV's token,
  // without which the next sign-in would be refused (CSRF).
  function signOut(done) {
    request('DELETE', '/api/v1/session', null, function () {
      setCsrf('');
      currentSession(function () {
        done();
      });
    });
  }

  // The page's own language before anyone is signed in: a remembered choice, else the browser's.
  function preferredLanguage() {
    try {
      var saved = window.localStorage && window.localStorage.getItem('hearth.language');
      if (saved === 'en' || saved === 'cy') return saved;
    } catch (e) {
      /* storage blocked: fall back to the browser's language */
    }
    var nav = (navigator.language || navigator.userLanguage || 'en').toLowerCase();
    return nav.indexOf('cy') === 0 ? 'cy' : 'en';
  }

  function rememberLanguage(lang) {
    try {
      if (window.localStorage) window.localStorage.setItem('hearth.language', lang);
    } catch (e) {
      /* not remembered: harmless */
    }
  }

  return {
    request: request,
    setCsrf: setCsrf,
    loadCatalogue: loadCatalogue,
    fill: fill,
    t: t,
    translate: translate,
    language: function () {
      return language;
    },
    alertText: alertText,
    listen: listen,
    el: el,
    clear: clear,
    show: show,
    byId: byId,
    formatTime: formatTime,
    formatPence: formatPence,
    formatNumber: formatNumber,
    sortAlerts: sortAlerts,
    isOpen: isOpen,
    mergeAlert: mergeAlert,
    wireLogin: wireLogin,
    currentSession: currentSession,
    signOut: signOut,
    preferredLanguage: preferredLanguage,
    rememberLanguage: rememberLanguage
  };
})();
