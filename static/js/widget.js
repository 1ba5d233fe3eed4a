// The notebook widget's module (anywidget): the standalone player, with the layout made in the browser when needed.
export default { render() {} };
