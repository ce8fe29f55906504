// Starts Swagger UI on /docs. A file of ours rather than an inline script, so the page's
// Content-Security-Policy can forbid inline scripts; the OpenAPI address comes from the page.
/* global SwaggerUIBundle */
(() => {
  const root = document.getElementById("swagger-ui");
  SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    deepLinking: true,
    // The default sends the document to validator.swagger.io: a request off the machine.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "BaseLayout",
  });
})();
