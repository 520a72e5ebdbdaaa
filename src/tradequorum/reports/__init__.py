"""Self-contained HTML reports and charts (Plotly, plotly.js inlined once per page).

Modules: ``backtest_report`` and ``wfo_report`` (backtester), ``smc_chart`` (SMC engineer).
Import the module you need; this package imports nothing eagerly.
"""
