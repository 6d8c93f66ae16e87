// Functions that run inside the page (page.evaluate): they read computed styles, the browser's
// own answer to "what colour and size is this text really".
'use strict';

// Every visible element with its own text: colours (background composited through ancestors, the
// way the text is actually seen), font size and weight.
function visibleText() {
  function parse(c) {
    const m = /rgba?\(([^)]+)\)/.exec(c || '');
    if (!m) return null;
    const p = m[1].split(/[\s,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function over(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) {
        layers.push(c);
        if (c[3] >= 1) break;
      }
    }
    let bg = [255, 255, 255, 1]; // the canvas behind everything
    for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
    return bg;
  }
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const ownText = [...el.childNodes]
      .filter((n) => n.nodeType === 3)
      .map((n) => n.textContent.trim())
      .join(' ')
      .trim();
    if (!ownText || el.getClientRects().length === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
    if (el.closest('[hidden]') || el.tagName === 'OPTION') continue;
    const bg = background(el);
    out.push({
      text: ownText.slice(0, 60),
      id: el.id || el.className || el.tagName,
      fg: over(parse(style.color), bg).slice(0, 3),
      bg: bg.slice(0, 3),
      fontPx: parseFloat(style.fontSize),
      weight: parseInt(style.fontWeight, 10) || 400,
    });
  }
  return out;
}

// The styles that make focus visible, for one element, unfocused then focused.
function focusStyles(id) {
  const el = document.getElementById(id);
  const read = () => {
    const s = getComputedStyle(el);
    return {
      outlineStyle: s.outlineStyle,
      outlineWidth: parseFloat(s.outlineWidth),
      outlineColor: s.outlineColor,
      boxShadow: s.boxShadow,
      background: s.backgroundColor,
      border: s.borderColor,
      pageBackground: getComputedStyle(document.body).backgroundColor,
    };
  };
  if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
  const before = read();
  el.focus();
  const after = read();
  return { before, after, focused: document.activeElement === el };
}

module.exports = { focusStyles, visibleText };
