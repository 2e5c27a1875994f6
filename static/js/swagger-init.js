// /docs (locator/web/templates/docs.html): starts the vendored Swagger UI on the OpenAPI document
// the page names. A file of its own, not an inline script, so that the page's
// Content-Security-Policy allows scripts from this site only.
"use strict";

(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    presets: [window.SwaggerUIBundle.presets.apis],
  });
})();
