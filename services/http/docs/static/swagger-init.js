// Starts Swagger UI on /docs from the service's own copy (no CDN); the document's address is
// the element's data-openapi-url, so the page itself has no inline script.
(function () {
  "use strict";

  // Swagger UI's request body editor is a textarea with no label (axe: label): name it.
  function LabelledTextArea() {
    return {
      wrapComponents: {
        TextArea: function (Original, system) {
          return function (props) {
            var labelled = Object.assign({ "aria-label": "Request body (JSON)" }, props);
            return system.React.createElement(Original, labelled);
          };
        },
      },
    };
  }

  var element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: false, // its links sit inside each operation's button (axe: nested-interactive)
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the online validator is elsewhere: never asked
    syntaxHighlight: false, // its themes colour code below AA contrast on their dark ground
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
    plugins: [LabelledTextArea],
  });
})();
