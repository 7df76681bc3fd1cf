// Starts ReDoc on the schema named by its container, with the system's fonts: ReDoc's default
// theme asks Google for Roboto and Montserrat, and this page loads nothing from another host.
(function () {
  "use strict";
  var sans = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
  var mono = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace';
  var container = document.getElementById("redoc-container");
  Redoc.init(
    container.dataset.schemaUrl,
    {
      theme: {
        typography: {
          fontFamily: sans,
          headings: { fontFamily: sans },
          code: { fontFamily: mono },
        },
      },
    },
    container
  );
})();
