// Case vault: small conveniences only; every page works without this file.
"use strict";
document.addEventListener("submit", (event) => {
  // Buttons that undo work (decline, withdraw, refuse) ask once before sending.
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
