# Builds every fixture (fixtures-c/*.c) twice: dynamic for the local target, -static for VMs.
# Incremental: each binary depends on its source and the shared header.
CC      ?= gcc
CFLAGS  ?= -O2 -g
CFLAGS  += -Wall -Wextra -Werror -std=gnu11
LDLIBS  := -lpthread
BUILD   := build

FIXTURES := $(patsubst fixtures-c/%.c,%,$(wildcard fixtures-c/*.c))
HELPERS  := $(patsubst test/helpers/%.c,%,$(wildcard test/helpers/*.c))

DYN     := $(addprefix $(BUILD)/bin/,$(FIXTURES))
STATIC  := $(addprefix $(BUILD)/static/,$(FIXTURES))
TESTBIN := $(addprefix $(BUILD)/test/,$(HELPERS))

.PHONY: all fixtures static test-helpers clean
all: fixtures static test-helpers
fixtures: $(DYN)
static: $(STATIC)
test-helpers: $(TESTBIN)

$(BUILD)/bin/%: fixtures-c/%.c fixtures-c/sud.h | $(BUILD)/bin
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/static/%: fixtures-c/%.c fixtures-c/sud.h | $(BUILD)/static
	$(CC) $(CFLAGS) -static -o $@ $< $(LDLIBS)

$(BUILD)/test/%: test/helpers/%.c fixtures-c/sud.h | $(BUILD)/test
	$(CC) $(CFLAGS) -Ifixtures-c -o $@ $< $(LDLIBS)

$(BUILD)/bin $(BUILD)/static $(BUILD)/test:
	mkdir -p $@

clean:
	rm -rf $(BUILD)
