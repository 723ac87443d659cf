// Starts Swagger UI on the API's own OpenAPI document. A file, not an inline script, so that the
// page's Content-Security-Policy can forbid inline scripts.
(function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    displayRequestDuration: true,
  });
})();
