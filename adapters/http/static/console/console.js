(function () {
  "use strict";
  // Charts: every [data-chart] element carries a small spec (see chartSpec in
  // console_dashboard.go); ECharts is loaded only on pages that have charts.
  var palette = ["#07c160", "#2e90fa", "#f79009", "#f04438", "#7a5af8", "#667085"];
  function option(spec) {
    var series = spec.series || [];
    var labels = spec.labels || [];
    var base = { color: palette, tooltip: { trigger: spec.kind === "pie" || spec.kind === "funnel" ? "item" : "axis" },
      animation: false, grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true } };
    if (series.length > 1 || spec.kind === "line") base.legend = { top: 0, type: "scroll" };
    if (spec.kind === "pie" || spec.kind === "funnel") {
      var s = series[0] || { name: "", data: [] };
      var data = labels.map(function (l, i) { return { name: l, value: s.data[i] || 0 }; });
      base.legend = { top: 0 };
      base.series = [spec.kind === "pie"
        ? { name: s.name, type: "pie", radius: ["40%", "68%"], top: 24, data: data, label: { formatter: "{b}: {c}" } }
        : { name: s.name, type: "funnel", sort: "none", top: 32, bottom: 8, left: "10%", width: "80%", minSize: "8%", data: data,
            label: { position: "inside", formatter: "{b}: {c}" } }];
      return base;
    }
    var horizontal = spec.kind === "hbar";
    var cat = { type: "category", data: labels, axisTick: { alignWithLabel: true } };
    var val = { type: "value", minInterval: 1 };
    if (horizontal) { cat.inverse = true; base.xAxis = val; base.yAxis = cat; } else { base.xAxis = cat; base.yAxis = val; }
    base.series = series.map(function (s) {
      return { name: s.name, type: spec.kind === "line" ? "line" : "bar", stack: s.stack || undefined, data: s.data,
        smooth: false, showSymbol: labels.length < 40, barMaxWidth: 28 };
    });
    return base;
  }
  var charts = [];
  function drawCharts() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var spec;
      try { spec = JSON.parse(el.getAttribute("data-chart")); } catch (e) { return; }
      var c = window.echarts.init(el, null, { renderer: "canvas" });
      c.setOption(option(spec));
      el.setAttribute("data-drawn", "1");
      charts.push(c);
    });
    var t;
    window.addEventListener("resize", function () {
      clearTimeout(t);
      t = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 100);
    });
  }
  // Forms asking for confirmation (end a campaign, delete an endpoint).
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) {
      if (!window.confirm(f.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });
  // "Select all" checkboxes for bulk actions.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input[name='" + all.getAttribute("data-select-all") + "']").forEach(function (c) { c.checked = all.checked; });
    });
  });
  // Copy buttons: data-copy names the element whose text is copied.
  document.querySelectorAll("[data-copy]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var el = document.getElementById(btn.getAttribute("data-copy"));
      if (!el) return;
      var text = el.value !== undefined ? el.value : el.textContent;
      var done = function () { btn.textContent = "已复制"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () {});
      } else {
        var r = document.createRange(); r.selectNodeContents(el);
        var sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(r);
        try { if (document.execCommand("copy")) done(); } catch (e) { /* leave it selected */ }
      }
    });
  });
  // Poster editor: redraw the preview with the unsaved positions as they change.
  var layout = document.getElementById("layout-form");
  var preview = document.getElementById("poster-preview");
  if (layout && preview && layout.getAttribute("data-preview")) {
    var timer;
    var refresh = function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = new URLSearchParams();
        new FormData(layout).forEach(function (v, k) { if (k !== "csrf") q.append(k, v); });
        preview.src = layout.getAttribute("data-preview") + "?" + q.toString();
      }, 300);
    };
    layout.addEventListener("input", refresh);
    layout.addEventListener("change", refresh);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawCharts); else drawCharts();
})();
