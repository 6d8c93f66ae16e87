/* Hearth: small hand-drawn SVG charts (no library) for the carer view. ES5.
 * line(): one polyline per series over a time range; bars(): one bar per time bucket. */
var HearthCharts = (function () {
  'use strict';
  var NS = 'http://www.w3.org/2000/svg';
  var W = 340;
  var H = 170;
  var PAD_LEFT = 38;
  var PAD_RIGHT = 8;
  var PAD_TOP = 8;
  var PAD_BOTTOM = 22;
  // Colour-blind-safe palette (Okabe-Ito), dark enough to read on white.
  var COLOURS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#8a6d00', '#000000'];

  function node(tag, attrs, text) {
    var n = document.createElementNS(NS, tag);
    for (var k in attrs) {
      if (attrs.hasOwnProperty(k)) n.setAttribute(k, String(attrs[k]));
    }
    if (text !== undefined) n.appendChild(document.createTextNode(text));
    return n;
  }

  function frame(label) {
    var svg = node('svg', {viewBox: '0 0 ' + W + ' ' + H, 'class': 'chart', role: 'img', 'aria-label': label});
    return svg;
  }

  function pad2(n) {
    return n < 10 ? '0' + n : String(n);
  }

  function timeLabel(ms, spanMs) {
    var d = new Date(ms);
    if (spanMs > 36 * 3600 * 1000) return pad2(d.getDate()) + '/' + pad2(d.getMonth() + 1);
    return pad2(d.getHours()) + ':' + pad2(d.getMinutes());
  }

  // Axes, grid lines and labels; returns the scale functions.
  function axes(svg, fromMs, toMs, minV, maxV, digits) {
    if (maxV - minV < 1e-9) {
      maxV += 1;
      minV -= 1;
    }
    var plotW = W - PAD_LEFT - PAD_RIGHT;
    var plotH = H - PAD_TOP - PAD_BOTTOM;
    var x = function (ms) {
      return PAD_LEFT + ((ms - fromMs) / (toMs - fromMs)) * plotW;
    };
    var y = function (v) {
      return PAD_TOP + (1 - (v - minV) / (maxV - minV)) * plotH;
    };
    for (var i = 0; i <= 2; i++) {
      var v = minV + ((maxV - minV) * i) / 2;
      svg.appendChild(node('line', {x1: PAD_LEFT, x2: W - PAD_RIGHT, y1: y(v), y2: y(v), 'class': 'grid'}));
      svg.appendChild(node('text', {x: PAD_LEFT - 4, y: y(v) + 4, 'text-anchor': 'end'}, v.toFixed(digits)));
    }
    svg.appendChild(node('line', {x1: PAD_LEFT, x2: PAD_LEFT, y1: PAD_TOP, y2: H - PAD_BOTTOM, 'class': 'axis'}));
    svg.appendChild(node('line', {x1: PAD_LEFT, x2: W - PAD_RIGHT, y1: H - PAD_BOTTOM, y2: H - PAD_BOTTOM, 'class': 'axis'}));
    var anchors = ['start', 'middle', 'end'];
    for (var j = 0; j <= 2; j++) {
      var t = fromMs + ((toMs - fromMs) * j) / 2;
      svg.appendChild(node('text', {x: x(t), y: H - 6, 'text-anchor': anchors[j]}, timeLabel(t, toMs - fromMs)));
    }
    return {x: x, y: y};
  }

  function legend(container, names) {
    var box = document.createElement('p');
    box.className = 'legend';
    for (var i = 0; i < names.length; i++) {
      var item = document.createElement('span');
      var swatch = document.createElement('i');
      swatch.style.background = COLOURS[i % COLOURS.length];
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(names[i]));
      box.appendChild(item);
    }
    container.appendChild(box);
  }

  // series: [{name, points: [{t: ms, v: number}]}]; returns false when there is nothing to draw.
  function line(container, series, fromMs, toMs, label) {
    var minV = Infinity;
    var maxV = -Infinity;
    var names = [];
    var i, j;
    for (i = 0; i < series.length; i++) {
      for (j = 0; j < series[i].points.length; j++) {
        minV = Math.min(minV, series[i].points[j].v);
        maxV = Math.max(maxV, series[i].points[j].v);
      }
    }
    if (minV === Infinity) return false;
    var svg = frame(label);
    var s = axes(svg, fromMs, toMs, Math.floor(minV), Math.ceil(maxV), 0);
    for (i = 0; i < series.length; i++) {
      var colour = COLOURS[i % COLOURS.length];
      var pts = series[i].points;
      var coords = [];
      for (j = 0; j < pts.length; j++) coords.push(s.x(pts[j].t).toFixed(1) + ',' + s.y(pts[j].v).toFixed(1));
      if (pts.length === 1) {
        svg.appendChild(node('circle', {cx: s.x(pts[0].t), cy: s.y(pts[0].v), r: 3, fill: colour}));
      } else {
        svg.appendChild(node('polyline', {points: coords.join(' '), fill: 'none', stroke: colour, 'stroke-width': 2}));
      }
      names.push(series[i].name);
    }
    container.appendChild(svg);
    legend(container, names);
    return true;
  }

  // Enough decimals that the axis labels of small values differ (0.0006 kWh, not 0.00).
  function labelDigits(maxV) {
    if (!(maxV > 0)) return 1;
    return Math.max(0, Math.min(4, 1 - Math.floor(Math.log(maxV) / Math.LN10)));
  }

  // bars: [{t: bucket start ms, v: number}], each bucketMs wide.
  function bars(container, list, fromMs, toMs, bucketMs, label) {
    if (list.length === 0) return false;
    var maxV = 0;
    for (var i = 0; i < list.length; i++) maxV = Math.max(maxV, list[i].v);
    var svg = frame(label);
    var s = axes(svg, fromMs, toMs, 0, maxV > 0 ? maxV : 1, labelDigits(maxV));
    for (var j = 0; j < list.length; j++) {
      var x0 = s.x(list[j].t);
      var width = Math.max(1, s.x(list[j].t + bucketMs) - x0 - 1);
      var top = s.y(list[j].v);
      svg.appendChild(node('rect', {x: x0.toFixed(1), y: top.toFixed(1), width: width.toFixed(1),
        height: Math.max(0, H - PAD_BOTTOM - top).toFixed(1), 'class': 'bar'}));
    }
    container.appendChild(svg);
    return true;
  }

  return {line: line, bars: bars};
})();
