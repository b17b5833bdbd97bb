// The sign-in link carries the token after "#", which never reaches a server or its logs:
// post it once, and take it out of the address bar and the history straight away.
(function () {
  "use strict";
  var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!match) { return; }
  history.replaceState(null, "", window.location.pathname);
  var form = document.getElementById("signin");
  document.getElementById("token").value = decodeURIComponent(match[1]);
  form.submit();
}());
