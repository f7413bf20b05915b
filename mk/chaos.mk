# Chaos: the local stack under kills, faults and duplicate delivery, then full accounting (docs/chaos.md).
.PHONY: chaos chaos-large

CHAOS_ARGS ?=

chaos: $(STAMP)  ## chaos run: 200 orders under kills/faults/duplicates, then account for every one
	$(BIN)/orderflow chaos --orders 200 $(CHAOS_ARGS)

chaos-large: $(STAMP)  ## the large chaos run reported in docs/chaos.md (2,000 orders, ~20-30 min)
	$(BIN)/orderflow chaos --orders 2000 $(CHAOS_ARGS)
