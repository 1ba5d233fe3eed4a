"""The notebook widget: micrograd-style graphs, the layout in the browser, and a real JupyterLab."""
