/* hangdoi: the managers' log-in form: JSON to /api/v1/auth/login, which sets the session. */
(function () {
  "use strict";
  var form = document.getElementById("login");
  var error = document.getElementById("login-error");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({
        username: document.getElementById("username").value,
        password: document.getElementById("password").value
      })
    }).then(function (answer) {
      if (answer.ok) { window.location.reload(); return null; }
      return answer.json().then(function (body) {
        error.textContent = body.message + " · " + body.message_en;
        error.hidden = false;
      });
    }).catch(function () {
      error.textContent = "Không kết nối được máy chủ. · The server cannot be reached.";
      error.hidden = false;
    });
  });
})();
