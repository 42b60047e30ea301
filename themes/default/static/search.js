/* sitegen search: ranked search of briefings and source paragraphs, in the browser, from
   file:// too. search/index.js (window.SITEGEN_SEARCH) names the shards; a query loads
   only the term shards its words fall in and the document shards of the results shown,
   each with a plain <script> element (no fetch, no modules). The index format and the
   ranking (BM25F, scored at build time) are described in sitegen/search/ (its package doc).
   Every word of the query must match: exactly or as the start of a longer word; a word
   that matches nothing is taken for a typo (one letter wrong in words of 4 to 8 letters,
   two from 9). Topics whose name or
   alias matches are listed first, then briefings, then source paragraphs, best first.
   Arrow keys move through the results, Enter opens one. */
(function () {
  "use strict";

  var meta = window.SITEGEN_SEARCH;
  var form = document.getElementById("search-form");
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  if (!input || !status || !list) return;
  if (!meta || meta.v !== 2) {
    status.textContent = "The search index could not be loaded (search/index.js is missing).";
    return;
  }

  var PAGE = [10, 5], MAX_TOPICS = 5, SNIPPET = 220, PREFIX_SHARDS = 3;
  var WORD = /[\p{L}\p{N}]+/gu;
  var B = meta.briefings, topics = meta.topics, firsts = meta.terms;

  function fold(s) {
    return s.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }
  function words(s) { return fold(s).match(WORD) || []; }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }

  /* Shards: each file calls SITEGEN_SEARCH_SHARD(name, data) when its script runs. */
  var loaded = {}, pending = {};
  window.SITEGEN_SEARCH_SHARD = function (name, data) { loaded[name] = data; };
  function load(name, src) {
    if (loaded[name]) return Promise.resolve(loaded[name]);
    if (!pending[name]) {
      pending[name] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = function () {
          if (loaded[name]) resolve(loaded[name]); else reject(new Error(src));
        };
        script.onerror = function () { delete pending[name]; reject(new Error(src)); };
        document.head.appendChild(script);
      });
    }
    return pending[name];
  }

  var vocab = {};  // term shard number -> its terms, sorted
  function termShard(n) {
    var name = meta.files[n];
    return load(name, "t/" + name + ".js").then(function (shard) {
      if (!vocab[n]) vocab[n] = Object.keys(shard).sort();
      return n;
    });
  }
  function shardOf(term) {  // the last shard whose first term is <= term
    var lo = 0, hi = firsts.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (firsts[mid] <= term) lo = mid + 1; else hi = mid;
    }
    return Math.max(0, lo - 1);
  }
  function prefixShards(term) {  // the shards the term's extensions are in: the first few
    var out = [], last = shardOf(term + "\uffff");
    for (var i = shardOf(term); i <= last && out.length < PREFIX_SHARDS; i++) out.push(i);
    out.partial = out[out.length - 1] < last;
    return out;
  }

  var N = meta.briefings + meta.paragraphs;
  function idf(df) { return Math.log(1 + (N - df + 0.5) / (df + 0.5)); }

  function maxTypos(term) { return term.length >= 9 ? 2 : term.length >= 4 ? 1 : 0; }
  function distance(a, b, limit) {  // Levenshtein, or limit + 1 once it is over limit
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    var prev = [], cur, i, j;
    for (j = 0; j <= b.length; j++) prev.push(j);
    for (i = 1; i <= a.length; i++) {
      cur = [i];
      var best = i;
      for (j = 1; j <= b.length; j++) {
        var v = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        cur.push(v);
        if (v < best) best = v;
      }
      if (best > limit) return limit + 1;
      prev = cur;
    }
    return prev[b.length];
  }

  /* One query word against the loaded shards: doc -> best score, the index words that
     matched (for highlighting), and whether the word is too common to require. With
     `typos`, words within that many edits match instead of the word and its extensions. */
  function matchTerm(term, shardNumbers, typos) {
    var scores = new Map(), found = [], optional = false;
    shardNumbers.forEach(function (n) {
      var shard = loaded[meta.files[n]];
      vocab[n].forEach(function (w) {
        var factor = 0;
        if (typos) {
          var d = distance(term, w, typos);
          if (d <= typos) factor = 0.4 * (1 - d / term.length);
        } else if (w === term) factor = 1;
        else if (w.startsWith(term)) factor = 0.3 + 0.4 * term.length / w.length;
        if (!factor) return;
        var row = shard[w], weight = idf(row[1]) * factor;  // [capped, df, doc, weight, …]
        if (w === term && row[0]) optional = true;
        found.push(w);
        for (var i = 2, doc = 0; i < row.length; i += 2) {
          doc += row[i];
          var s = row[i + 1] * weight;
          if (!(scores.get(doc) >= s)) scores.set(doc, s);
        }
      });
    });
    return {scores: scores, found: found, optional: optional};
  }

  function uniq(a) { return a.filter(function (x, i) { return a.indexOf(x) === i; }); }

  /* A query word: its shards, then its matches; a word that matches nothing, as typed or
     as the start of a longer one, is taken for a typo and looked for in its shard's
     neighbours too. */
  function lookUp(term) {
    var first = prefixShards(term);
    return Promise.all(first.map(termShard)).then(function () {
      var m = matchTerm(term, first, 0), typos = maxTypos(term);
      m.partial = first.partial;
      if (m.scores.size || !typos) return m;
      var near = uniq([first[0] - 1, first[0], first[0] + 1]).filter(function (n) {
        return n >= 0 && n < firsts.length;
      });
      return Promise.all(near.map(termShard)).then(function () {
        return matchTerm(term, near, typos);
      });
    });
  }

  /* Docs matching every word (a word too common to be kept whole in the index only adds
     to the score), best first: [briefings, source paragraphs]. */
  function rank(matches) {
    var required = matches.filter(function (m) { return !m.optional; });
    if (!required.length) required = matches.slice(0, 1);
    var hits = required[0].scores;
    required.slice(1).forEach(function (m) {
      var next = new Map();
      m.scores.forEach(function (s, doc) { if (hits.has(doc)) next.set(doc, hits.get(doc) + s); });
      hits = next;
    });
    if (required.length === 1) hits = new Map(hits);
    matches.forEach(function (m) {
      if (required.indexOf(m) >= 0) return;
      m.scores.forEach(function (s, doc) { if (hits.has(doc)) hits.set(doc, hits.get(doc) + s); });
    });
    var groups = [[], []];
    hits.forEach(function (s, doc) { groups[doc & 1].push([doc, s]); });  // odd: paragraphs
    return groups.map(function (g, kind) {  // ties: newer briefings, earlier paragraphs first
      g.sort(function (a, b) { return b[1] - a[1] || (kind ? a[0] - b[0] : b[0] - a[0]); });
      return g.map(function (x) { return x[0]; });
    });
  }

  function doc(id) {  // a document's record, loading its shard
    var kind = id & 1, at = id >> 1, per = meta.per[kind];
    var name = (kind ? "p" : "b") + Math.floor(at / per);
    return load(name, "d/" + name + ".js").then(function (shard) { return [kind, shard[at % per]]; });
  }

  function matchingTopics(terms) {
    var found = [];
    topics.forEach(function (t, i) {
      var ws = words([t[0]].concat(t[2]).join(" "));
      if (terms.every(function (q) { return ws.some(function (w) { return w.startsWith(q); }); })) {
        found.push(i);
      }
    });
    return found.slice(0, MAX_TOPICS);
  }

  /* Text with the matching words in <mark>; long text cut to a window around the first. */
  function spans(text, terms, exact) {
    var out = [], m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text)) !== null) {
      var w = fold(m[0]);
      if (exact.indexOf(w) >= 0 || terms.some(function (t) { return w.startsWith(t); })) {
        out.push([m.index, m.index + m[0].length]);
      }
    }
    return out;
  }
  function highlighted(text, q, limit) {
    var marks = spans(text, q.terms, q.found), start = 0, end = text.length;
    if (limit && text.length > limit) {
      var first = marks.length ? marks[0][0] : 0;
      start = Math.max(0, first - Math.floor(limit / 3));
      if (start > 0) start = text.indexOf(" ", start) + 1 || start;
      end = Math.min(text.length, start + limit);
      if (end < text.length) end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end;
    }
    var frag = document.createDocumentFragment(), at = start;
    if (start > 0) frag.appendChild(document.createTextNode("… "));
    marks.forEach(function (s) {
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

  function el(tag, cls, child) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (typeof child === "string") e.textContent = child; else if (child) e.appendChild(child);
    return e;
  }
  function result(href, title, metaText, snippet, q) {
    var li = el("li", "search-result");
    var a = el("a", "result-title", highlighted(title, q));
    a.href = href;
    li.appendChild(a);
    li.appendChild(el("p", "meta", metaText));
    if (snippet) li.appendChild(el("p", "snippet", highlighted(snippet, q, SNIPPET)));
    return li;
  }
  function docResult(kind, d, q) {
    if (kind === 1) {  // [source title, link, paragraph id, text, reliability grade]
      return result(d[1], d[0], "Source paragraph " + d[2].slice(1) +
                    (d[4] ? " · reliability " + d[4] : ""), d[3], q);
    }
    // [title, link, date, [topics], bottom line, [key points], analysis, [sources]]
    var fields = [d[4]].concat(d[5], [d[6]]), snippet = d[4];
    for (var i = 0; i < fields.length; i++) {
      if (fields[i] && spans(fields[i], q.terms, q.found).length) { snippet = fields[i]; break; }
    }
    var names = d[3].map(function (t) { return topics[t][0]; });
    return result(d[1], d[0], "Briefing · " + d[2] + (names.length ? " · " + names.join(", ") : ""),
                  snippet, q);
  }

  var current = null;  // the query shown: {terms, found, groups, shown, token}
  var more = null;

  function showMore() {
    var q = current, ids = [];
    if (!q || !q.groups) return Promise.resolve(null);  // a query is still loading
    q.groups.forEach(function (g, kind) {
      ids.push(g.slice(q.shown[kind], q.shown[kind] + PAGE[kind]));
      q.shown[kind] = Math.min(g.length, q.shown[kind] + PAGE[kind]);
    });
    return Promise.all(ids[0].concat(ids[1]).map(doc)).then(function (records) {
      if (q !== current) return;
      var firstNew = null, at = list.querySelector(".search-source");
      records.forEach(function (r) {
        var li = docResult(r[0], r[1], q);
        if (r[0] === 1) li.classList.add("search-source");
        if (r[0] === 0 && at) list.insertBefore(li, at); else list.appendChild(li);
        firstNew = firstNew || li;
      });
      more.hidden = q.shown[0] >= q.groups[0].length && q.shown[1] >= q.groups[1].length;
      return firstNew;
    });
  }

  function run() {
    var query = input.value.trim(), terms = uniq(words(query)), token = {};
    current = token;
    more.hidden = true;
    if (!terms.length) {
      list.textContent = "";
      more.hidden = true;
      status.textContent = "Type to search " + plural(B, "briefing") + " and their sources.";
      return Promise.resolve();
    }
    return Promise.all(terms.map(lookUp)).then(function (matches) {
      if (current !== token) return;
      var q = {terms: terms, found: [], groups: rank(matches), shown: [0, 0], token: token,
               partial: matches.some(function (m) { return m.partial; })};
      matches.forEach(function (m) { q.found = q.found.concat(m.found); });
      current = q;
      list.textContent = "";
      var tops = matchingTopics(terms);
      tops.forEach(function (i) {
        var t = topics[i];
        var metaText = "Topic · " + plural(t[3], "briefing") + (t[2].length ? " · also: " + t[2].join(", ") : "");
        list.appendChild(result(t[1], t[0], metaText, "", q));
      });
      return showMore().then(function () {
        if (current !== q) return;
        var quoted = "\u201c" + query + "\u201d", n = q.groups[0].length, p = q.groups[1].length;
        if (!n && !p && !tops.length) {
          status.textContent = "No results for " + quoted + ". Try fewer or other words.";
          return;
        }
        var parts = n || !p ? [plural(n, "briefing")] : [];
        if (p) parts.push(plural(p, "source paragraph"));
        if (tops.length) parts.push(plural(tops.length, "topic"));
        var last = parts.pop();
        status.textContent = (parts.length ? parts.join(", ") + " and " : "") + last + " for " + quoted +
          (q.partial ? " (among the first of the words that begin so: type more letters for all)" : "") + ".";
      });
    }).catch(function () {
      if (current === token || (current && current.token === token)) {
        status.textContent = "The search index could not be loaded (a file in search/ is missing).";
      }
    });
  }

  function remember() {
    var query = input.value.trim();
    try {  // keep ?q= in the address for reload and sharing; some file:// setups refuse
      history.replaceState(null, "", query ? "?q=" + encodeURIComponent(query) : location.pathname);
    } catch (e) { /* not essential */ }
  }

  function links() { return Array.prototype.slice.call(list.querySelectorAll("a.result-title")); }

  more = el("button", "search-more", "Show more results");
  more.type = "button";
  more.hidden = true;
  list.parentNode.insertBefore(more, list.nextSibling);
  more.addEventListener("click", function () {
    showMore().then(function (li) { if (li) li.querySelector("a").focus(); });
  });

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
