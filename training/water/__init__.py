"""Water seasonality: teacher labels, training data, training and the downstream evaluation
(the paper's Figure 2 on our data). See docs/water.md."""
