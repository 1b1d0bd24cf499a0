// rspcheck report: table sorting and filtering, grid dimming, copy buttons. Progressive
// enhancement only: every page is complete without it. No inline handlers (the pages' CSP
// allows only this file).
(function () {
  "use strict";

  function text(el) { return (el.textContent || "").trim(); }

  var OUTCOME_ORDER = { "pass": 0, "inconclusive": 1, "fail": 2, "error": 3, "not-applicable": 4 };

  function sortable(table) {
    var heads = table.querySelectorAll("thead th[data-sort]");
    heads.forEach(function (th, col) {
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var kind = th.getAttribute("data-sort");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function key(row) {
          var cell = row.cells[col];
          if (!cell) { return ""; }
          if (kind === "num") { return Number(cell.getAttribute("data-value")) || 0; }
          if (kind === "outcome") { var o = OUTCOME_ORDER[row.getAttribute("data-outcome")]; return o === undefined ? 9 : o; }
          return text(cell).toLowerCase();
        }
        rows.sort(function (a, b) {
          var ka = key(a), kb = key(b);
          var c = ka < kb ? -1 : ka > kb ? 1 : 0;
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  }

  function filters() {
    var form = document.getElementById("filters");
    var table = document.getElementById("case-table");
    if (!form || !table) { return; }
    form.hidden = false;
    var outcome = document.getElementById("f-outcome");
    var role = document.getElementById("f-role");
    var search = document.getElementById("f-text");
    var count = document.getElementById("f-count");
    var cells = document.querySelectorAll("#grid a.cell");
    function matches(o, mark, r) {
      var want = outcome.value;
      if (want && want !== o && want !== mark) { return false; }
      return !role.value || role.value === r;
    }
    function apply() {
      var q = search.value.trim().toLowerCase();
      var shown = 0, rows = table.tBodies[0].rows;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var ok = matches(row.getAttribute("data-outcome"), row.getAttribute("data-mark"), row.getAttribute("data-role")) &&
          (!q || text(row).toLowerCase().indexOf(q) >= 0);
        row.hidden = !ok;
        if (ok) { shown++; }
      }
      cells.forEach(function (c) {
        var cls = c.className;
        var mark = /x-(expected-fail-passed|expected-fail|unexpected)/.exec(cls);
        var ok = matches(c.getAttribute("data-outcome"), mark ? mark[1] : "", c.getAttribute("data-role")) &&
          (!q || (c.getAttribute("title") || "").toLowerCase().indexOf(q) >= 0);
        c.classList.toggle("dim", !ok);
      });
      count.textContent = shown + " of " + rows.length + " cases";
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    [outcome, role].forEach(function (el) { el.addEventListener("change", apply); });
    search.addEventListener("input", apply);
    apply();
  }

  function copyButtons() {
    document.querySelectorAll("pre.cmd#rerun").forEach(function (pre) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "copy";
      b.textContent = "copy";
      b.addEventListener("click", function () {
        var done = function () { b.textContent = "copied"; };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(pre.textContent).then(done, function () { select(pre); });
        } else { select(pre); }
      });
      pre.parentNode.insertBefore(b, pre.nextSibling);
    });
  }

  // Where the clipboard API is refused (file://), select the text for Ctrl+C.
  function select(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  document.querySelectorAll("table.sortable").forEach(sortable);
  filters();
  copyButtons();
  // Marker for reports/browser-check.sh: the script ran to the end.
  document.body.setAttribute("data-js", "ready");
})();
