// Progressive enhancement only: every page works without this file.
document.documentElement.classList.add("js");
document.querySelectorAll("form[data-autosubmit] select").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
