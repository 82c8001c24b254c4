// Filters (status, paper, backend, source of the claim) and search; inline, no network, no library.
(function () {
  "use strict";
  var NOT_PASSING = ["BROKEN", "FAIL", "ERROR", "SKIP"];
  var $ = function (id) { return document.getElementById(id); };
  var form = $("filters");
  var cards = Array.prototype.slice.call(document.querySelectorAll("article.card"));
  var text = cards.map(function (c) { return c.textContent.toLowerCase(); });
  form.hidden = false;

  function statusesOf(card, backend) {
    return card.dataset.statuses.split(" ").map(function (x) { return x.split(":"); })
      .filter(function (p) { return !backend || p[0] === backend; })
      .map(function (p) { return p[1]; });
  }

  function keep(card, i, f) {
    var st = statusesOf(card, f.backend);
    var statusOk = !f.status || (f.status === "notpass"
      ? st.some(function (s) { return NOT_PASSING.indexOf(s) >= 0; }) : st.indexOf(f.status) >= 0);
    var words = f.query ? f.query.split(/\s+/) : [];
    return st.length > 0 && statusOk && (!f.paper || card.dataset.paper === f.paper)
      && (!f.source || card.dataset.source === f.source)
      && words.every(function (w) { return text[i].indexOf(w) >= 0; });
  }

  function apply() {
    var f = { status: $("f-status").value, paper: $("f-paper").value, backend: $("f-backend").value,
              source: $("f-source").value, query: $("f-search").value.trim().toLowerCase() };
    var shown = 0;
    cards.forEach(function (card, i) {
      var ok = keep(card, i, f);
      card.hidden = !ok;
      shown += ok ? 1 : 0;
      var item = document.querySelector('li[data-for="' + card.id + '"]');
      if (item) { item.hidden = !ok; }
      var tab = f.backend && $("fig-" + card.id + "-" + f.backend);
      if (tab) { tab.checked = true; }
    });
    document.querySelectorAll("section.paper").forEach(function (s) {
      s.hidden = !s.querySelector("article.card:not([hidden])");
    });
    $("f-count").textContent = shown + " of " + cards.length + " claims shown";
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  $("f-reset").addEventListener("click", function () { form.reset(); apply(); });
  window.addEventListener("hashchange", function () {  // a link to a filtered-out card clears the filters
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.closest("[hidden]")) { form.reset(); apply(); target.scrollIntoView(); }
  });
  document.querySelectorAll(".pane svg.fig").forEach(function (fig) {  // tap a figure: full size, scrollable
    fig.addEventListener("click", function () { fig.parentElement.classList.toggle("zoom"); });
  });
  apply();
})();
