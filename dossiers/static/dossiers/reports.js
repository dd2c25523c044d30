// Leaders' statistics report: shows only the period fields that apply, and draws the three charts
// from the JSON the page renders with json_script (no inline scripts: CSP). The table stays the
// accessible source of every figure.
(function () {
  "use strict";

  const form = document.getElementById("report-form");
  if (form) {
    const kind = form.querySelector("[name=period]");
    const toggle = () => {
      const value = kind.value || "month";
      form.querySelectorAll("[data-period-field]").forEach((box) => {
        box.hidden = !box.dataset.periodField.split(" ").includes(value);
      });
    };
    kind.addEventListener("change", toggle);
    toggle();
  }

  const source = document.getElementById("report-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const data = JSON.parse(source.textContent);
  const Chart = window.Chart;
  const common = { responsive: true, maintainAspectRatio: false, animation: false };

  const monthly = document.getElementById("chart-monthly");
  if (monthly) {
    new Chart(monthly, {
      type: "bar",
      data: {
        labels: data.months,
        datasets: [
          { label: data.labels.early, data: data.early, backgroundColor: "#198754" },
          { label: data.labels.on_time, data: data.on_time, backgroundColor: "#0d6efd" },
          { label: data.labels.late, data: data.late, backgroundColor: "#dc3545" },
        ],
      },
      options: {
        ...common,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  const backlog = document.getElementById("chart-backlog");
  if (backlog) {
    new Chart(backlog, {
      type: "line",
      data: {
        labels: data.months,
        datasets: [
          { label: data.labels.backlog, data: data.backlog, borderColor: "#fd7e14", backgroundColor: "#fd7e14", tension: 0.2 },
        ],
      },
      options: { ...common, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });
  }

  const procedures = document.getElementById("chart-procedures");
  if (procedures) {
    new Chart(procedures, {
      type: "bar",
      data: {
        labels: data.procedures,
        datasets: [{ label: data.labels.rate, data: data.procedure_rates, backgroundColor: "#20c997" }],
      },
      options: {
        ...common,
        indexAxis: "y",
        scales: {
          x: { min: 0, max: 100 },
          y: {
            ticks: {
              callback(value) {
                const label = String(this.getLabelForValue(value));
                return label.length > 40 ? label.slice(0, 39) + "…" : label;
              },
            },
          },
        },
      },
    });
  }
})();
