/* sitegen search: runs in the browser over window.SITEGEN_SEARCH (search/index.js, loaded
   with <script src> so it also works from file://). No library, no network.
   Words are matched by prefix, accents and case ignored; every word of the query must
   match. Briefings whose title or topics match come first, then by weight of the
   fields that match, then newest first. Topics whose name or alias matches are listed
   before the briefings. Arrow keys move through the results, Enter opens one. */
(function () {
  "use strict";

  var data = window.SITEGEN_SEARCH;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!input || !status || !list) return;
  if (!data || !data.docs) {
    status.textContent = "The search index could not be loaded (search/index.js is missing).";
    return;
  }

  var MAX_SHOWN = 100, MAX_TOPICS = 5, SNIPPET = 220;
  var TITLE = 1, TOPIC = 2, SOURCE = 4, BOTTOM = 8, POINT = 16, TEXT = 32;
  var WEIGHT = [[TITLE, 16], [TOPIC, 8], [BOTTOM, 4], [POINT, 3], [SOURCE, 2], [TEXT, 1]];
  var WORD = /[\p{L}\p{M}\p{N}]+/gu;

  function fold(s) {
    return s.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function words(s) {
    return (fold(s).match(WORD) || []);
  }

  // doc fields: [title, date, link, bottom line, [key points], analysis, [topics], [sources]]
  var docs = data.docs, topics = data.topics, sources = data.sources;
  var postings = new Map();  // word -> Map(doc index -> field bits)
  function add(text, doc, bit) {
    var ws = words(text);
    for (var i = 0; i < ws.length; i++) {
      var m = postings.get(ws[i]);
      if (!m) postings.set(ws[i], m = new Map());
      m.set(doc, (m.get(doc) || 0) | bit);
    }
  }
  docs.forEach(function (d, i) {
    add(d[0], i, TITLE);
    d[6].forEach(function (t) {
      add(topics[t][0], i, TOPIC);
      topics[t][2].forEach(function (alias) { add(alias, i, TOPIC); });
    });
    d[7].forEach(function (s) { add(sources[s], i, SOURCE); });
    add(d[3], i, BOTTOM);
    d[4].forEach(function (k) { add(k, i, POINT); });
    add(d[5], i, TEXT);
  });
  var vocabulary = Array.from(postings.keys()).sort();
  var topicWords = topics.map(function (t) { return words([t[0]].concat(t[2]).join(" ")); });

  function withPrefix(term) {  // vocabulary words starting with term (binary search)
    var lo = 0, hi = vocabulary.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (vocabulary[mid] < term) lo = mid + 1; else hi = mid;
    }
    var found = [];
    while (lo < vocabulary.length && vocabulary[lo].startsWith(term)) found.push(vocabulary[lo++]);
    return found;
  }

  function search(terms) {
    var hits = null;  // doc -> {bits per term, exact count}
    for (var t = 0; t < terms.length; t++) {
      var masks = new Map(), exact = new Set();
      withPrefix(terms[t]).forEach(function (w) {
        postings.get(w).forEach(function (bits, doc) {
          masks.set(doc, (masks.get(doc) || 0) | bits);
          if (w === terms[t]) exact.add(doc);
        });
      });
      var next = new Map();
      masks.forEach(function (bits, doc) {
        if (hits && !hits.has(doc)) return;
        var h = hits ? hits.get(doc) : {strong: 0, score: 0};
        if (bits & (TITLE | TOPIC)) h.strong++;
        WEIGHT.forEach(function (w) { if (bits & w[0]) h.score += w[1]; });
        if (exact.has(doc)) h.score += 1;
        next.set(doc, h);
      });
      hits = next;
    }
    var ranked = [];
    (hits || new Map()).forEach(function (h, doc) { ranked.push([doc, h.strong, h.score]); });
    ranked.sort(function (a, b) { return b[1] - a[1] || b[2] - a[2] || a[0] - b[0]; });
    return ranked.map(function (r) { return r[0]; });
  }

  function matchingTopics(terms) {
    var found = [];
    topicWords.forEach(function (ws, i) {
      var all = terms.every(function (t) { return ws.some(function (w) { return w.startsWith(t); }); });
      if (all) found.push(i);
    });
    return found.slice(0, MAX_TOPICS);
  }

  // Text with the matching words in <mark>; long text is cut to a window around the first match.
  function matches(text, terms) {
    var found = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var w = fold(m[0]);
      if (terms.some(function (t) { return w.startsWith(t); })) found.push([m.index, m.index + m[0].length]);
    }
    return found;
  }
  function highlighted(text, terms, limit) {
    var spans = matches(text, terms), start = 0, end = text.length;
    if (limit && text.length > limit) {
      var first = spans.length ? spans[0][0] : 0;
      start = Math.max(0, first - Math.floor(limit / 3));
      if (start > 0) start = text.indexOf(" ", start) + 1 || start;
      end = Math.min(text.length, start + limit);
      if (end < text.length) end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end;
    }
    var frag = document.createDocumentFragment(), at = start;
    if (start > 0) frag.appendChild(document.createTextNode("… "));
    spans.forEach(function (s) {
      if (s[0] < at || s[1] > end) return;
      frag.appendChild(document.createTextNode(text.slice(at, s[0])));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(s[0], s[1]);
      frag.appendChild(mark);
      at = s[1];
    });
    frag.appendChild(document.createTextNode(text.slice(at, end)));
    if (end < text.length) frag.appendChild(document.createTextNode(" …"));
    return frag;
  }

  function snippetText(d, terms) {
    var fields = [d[3]].concat(d[4], [d[5]]);
    for (var i = 0; i < fields.length; i++) {
      if (fields[i] && matches(fields[i], terms).length) return fields[i];
    }
    return d[3];
  }

  function el(tag, cls, child) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (typeof child === "string") e.textContent = child; else if (child) e.appendChild(child);
    return e;
  }

  function result(href, title, meta, snippet, terms) {
    var li = el("li", "search-result");
    var a = el("a", "result-title", highlighted(title, terms));
    a.href = href;
    li.appendChild(a);
    li.appendChild(el("p", "meta", meta));
    if (snippet) li.appendChild(el("p", "snippet", highlighted(snippet, terms, SNIPPET)));
    return li;
  }

  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  function run() {
    var query = input.value.trim(), terms = words(query);
    list.textContent = "";
    if (!terms.length) {
      status.textContent = "Type to search " + plural(docs.length, "briefing") + ".";
      return;
    }
    var found = search(terms), tops = matchingTopics(terms);
    tops.forEach(function (i) {
      var t = topics[i], count = docs.filter(function (d) { return d[6].indexOf(i) >= 0; }).length;
      var meta = "Topic · " + plural(count, "briefing") + (t[2].length ? " · also: " + t[2].join(", ") : "");
      list.appendChild(result(t[1], t[0], meta, "", terms));
    });
    found.slice(0, MAX_SHOWN).forEach(function (i) {
      var d = docs[i];
      var meta = "Briefing · " + d[1] + (d[6].length ? " · " + d[6].map(function (t) { return topics[t][0]; }).join(", ") : "");
      list.appendChild(result(d[2], d[0], meta, snippetText(d, terms), terms));
    });
    var quoted = "\u201c" + query + "\u201d";
    if (!found.length && !tops.length) {
      status.textContent = "No results for " + quoted + ". Try fewer or shorter words.";
    } else {
      status.textContent = plural(found.length, "briefing") + (tops.length ? " and " + plural(tops.length, "topic") : "") +
        " for " + quoted + (found.length > MAX_SHOWN ? " (showing the first " + MAX_SHOWN + ")" : "") + ".";
    }
  }

  function remember() {
    var query = input.value.trim();
    try {  // keep ?q= in the address for reload and sharing; some file:// setups refuse
      history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    } catch (e) { /* not essential */ }
  }

  function links() { return Array.prototype.slice.call(list.querySelectorAll("a.result-title")); }

  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" && links().length) {
      ev.preventDefault();
      links()[0].focus();
    }
  });
  list.addEventListener("keydown", function (ev) {
    var all = links(), at = all.indexOf(document.activeElement);
    if (at < 0) return;
    var to = null;
    if (ev.key === "ArrowDown") to = Math.min(at + 1, all.length - 1);
    else if (ev.key === "ArrowUp") to = at - 1;
    else if (ev.key === "Home") to = 0;
    else if (ev.key === "End") to = all.length - 1;
    else if (ev.key === "Escape") to = -1;
    else return;
    ev.preventDefault();
    if (to < 0) input.focus(); else all[to].focus();
  });

  var timer = 0;
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(); remember(); }, 80);
  });
  if (form) form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    clearTimeout(timer);
    run();
    remember();
  });

  var params = new URLSearchParams(location.search);
  var q = params.get("q");
  if (q === null && location.hash.length > 1) q = new URLSearchParams(location.hash.slice(1)).get("q");
  if (q) {
    input.value = q;
    var header = document.getElementById("site-search-q");
    if (header) header.value = q;
  }
  run();
  input.focus();
})();
