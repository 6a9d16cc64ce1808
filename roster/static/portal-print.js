// The print page's 印刷する button (an external file: the content security policy forbids
// inline scripts).
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});
