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

// Error pages offer a way back to the page the form was on (a link with an old status, say);
// the button stays hidden without script, where the dashboard link is the way on.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-back]")) {
    if (window.history.length > 1) {
      button.hidden = false;
      button.addEventListener("click", () => window.history.back());
    }
  }
});
