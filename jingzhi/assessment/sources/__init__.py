"""One module per feature app with indicators (named after the app's label), imported by
`AssessmentConfig.ready()` when that app is installed. See `jingzhi.assessment.registry`."""
