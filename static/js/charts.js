// Draws the dashboard charts with ECharts (served by the app from static/vendor/, see the
// Makefile). Each chart reads its data from the JSON the page holds next to it
// ({{ data|json_script }}); without JavaScript the tables under the charts are the content.
// Palette: Okabe & Ito's, safe for the common colour-vision deficiencies.
(function () {
  "use strict";
  if (typeof echarts === "undefined") return;
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  // A one-hue scale (light to dark blue) for the map: readable whatever the colour vision.
  var SCALE = ["#eff3ff", "#6baed6", "#08519c"];

  function base(spec) {
    return {
      color: PALETTE,
      aria: { enabled: true, decal: { show: true } },
      tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    };
  }

  function cartesian(spec) {
    var option = base(spec);
    var category = { type: "category", data: spec.categories, axisLabel: { interval: spec.kind === "line" ? "auto" : 0, width: 160, overflow: "truncate" } };
    // Many bars side by side: their names slant, so that none covers the next.
    if (!spec.horizontal && spec.kind !== "line" && spec.categories.length > 12) {
      category.axisLabel.rotate = 45;
      category.axisLabel.width = 90;
    }
    var value = { type: "value", max: spec.percent ? 100 : null, axisLabel: { formatter: spec.percent ? "{value}%" : "{value}" } };
    option.xAxis = spec.horizontal ? value : category;
    option.yAxis = spec.horizontal ? category : value;
    if (spec.horizontal) option.yAxis.inverse = true;
    option.series = spec.series.map(function (s) {
      var line = spec.kind === "line" || s.line;
      return {
        name: s.name,
        type: line ? "line" : "bar",
        data: s.data,
        stack: spec.stack && (!line || spec.area) ? "all" : undefined,
        areaStyle: spec.area ? {} : undefined,
        connectNulls: false,
        symbolSize: spec.kind === "line" ? 4 : 8,
      };
    });
    return option;
  }

  function pie(spec) {
    var option = base(spec);
    option.series = [{
      name: spec.series[0].name,
      type: "pie",
      radius: ["35%", "70%"],
      // Empty slices would still be labelled: they are left out (the table lists them).
      data: spec.categories.map(function (name, i) { return { name: name, value: spec.series[0].data[i] }; })
        .filter(function (d) { return d.value > 0; }),
    }];
    return option;
  }

  function map(spec, geo) {
    // The map's features carry the division code (id) and a short name; our rows the code.
    var names = {};
    geo.features.forEach(function (f) { names[f.properties.id || f.id] = f.properties.name; });
    echarts.registerMap("china", geo);
    var option = base(spec);
    option.tooltip = { trigger: "item", formatter: function (p) { return (p.data && p.data.label || p.name) + ": " + (p.value === p.value ? p.value + "%" : "—"); } };
    // The scale runs up to the highest share shown, so that early adoption is visible.
    var top = Math.max.apply(null, spec.data.map(function (d) { return d.value || 0; }).concat([0.01]));
    option.visualMap = { min: 0, max: top, precision: 2, calculable: true, inRange: { color: SCALE }, left: 8, bottom: 8,
      formatter: function (value) { return value.toFixed(2) + "%"; } };
    option.series = [{
      name: spec.name,
      type: "map",
      map: "china",
      roam: true,
      data: spec.data.filter(function (d) { return names[d.code]; }).map(function (d) {
        return { name: names[d.code], value: d.value, label: d.name };
      }),
    }];
    return option;
  }

  function draw(box, option) {
    box.hidden = false;
    var chart = echarts.init(box);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    // The chart now shows the figures: its table stays one click away.
    var table = box.parentNode.querySelector("details.chart-table");
    if (table) table.open = false;
  }

  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var source = document.getElementById(box.dataset.chart);
    if (!source) return;
    var spec = JSON.parse(source.textContent);
    if (spec.kind === "map") {
      fetch(spec.map, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (geo) { draw(box, map(spec, geo)); })
        .catch(function () { /* the table stays open */ });
    } else if (spec.kind === "pie") {
      draw(box, pie(spec));
    } else if (spec.categories && spec.categories.length) {
      draw(box, cartesian(spec));
    }
  });
})();
