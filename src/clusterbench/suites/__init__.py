"""suites: benchmark cases (pipeline, grid, labelling budget, scale) and the suite files that
list them."""
