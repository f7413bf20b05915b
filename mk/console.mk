# The operator console's screenshots in docs/console.md are taken by its browser test
# (tests/browser/test_console_browser.py: headless Debian chromium against a real `orderflow dev`,
# a 200-order burst from `orderflow load`); this target runs that test and copies them into docs/img.
.PHONY: console-screenshots

CONSOLE_SHOTS := build/test-artifacts/browser

console-screenshots: $(STAMP) browser-deps  ## run the console's browser test and copy its screenshots into docs/img
	ORDERFLOW_TEST_ARTIFACTS=build/test-artifacts $(BIN)/python -m pytest tests/browser
	cp $(CONSOLE_SHOTS)/1-scale-out.png docs/img/console-scale-out.png
	cp $(CONSOLE_SHOTS)/2-drain-forecast.png docs/img/console-drain-forecast.png
	cp $(CONSOLE_SHOTS)/3-scaled-in.png docs/img/console-scaled-in.png
	cp $(CONSOLE_SHOTS)/4-funnel.png docs/img/console-overview.png
	cp $(CONSOLE_SHOTS)/6-dlq.png docs/img/console-dlq.png
	cp $(CONSOLE_SHOTS)/9-order-trace.png docs/img/console-trace.png
