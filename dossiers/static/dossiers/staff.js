// Staff screens: the Print button of the printable forms (Mẫu 01, Mẫu 05). No inline scripts (CSP).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
});
