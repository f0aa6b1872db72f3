# libspfkit for C: build, install, test.
#
#   make                      build libspfkit.so and libspfkit.a (release)
#   make install PREFIX=/usr/local [DESTDIR=...]
#                             the libraries, include/spfkit.h and spfkit.pc
#   make uninstall PREFIX=...
#   make c-test               the C tests: header as C11 and C++, API, RFC 7208
#                             suite, vectors, the receiver-policy table and
#                             the SRS vectors (static, valgrind, ASan/UBSan),
#                             pkg-config install, the examples
#
# Everything else (Rust, CLI, fuzzing) is cargo's; `bash .ci/run` runs it all.

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
CARGO      ?= cargo
CC         ?= cc
CXX        ?= c++

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
RELEASE := target/release
BUILD   := target/c-tests

STRICT  := -std=c11 -Wall -Wextra -Werror -pedantic-errors
LIBS    := -lpthread -ldl -lm
JANSSON := $(shell pkg-config --cflags --libs jansson 2>/dev/null || echo -ljansson)
SANITIZE := -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# The API tests: one program, api.c's main() running the others' tests.
API_SOURCES := $(addprefix bindings/c/tests/,api.c api_bounds.c policy_api.c srs_api.c)
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all

.PHONY: all lib install uninstall c-test header-check c-static c-valgrind c-sanitize c-pkgconfig c-example

all: lib

lib:
	$(CARGO) build -p spfkit-c --release

install: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 644 $(RELEASE)/libspfkit.a $(DESTDIR)$(LIBDIR)/libspfkit.a
	install -m 755 $(RELEASE)/libspfkit.so $(DESTDIR)$(LIBDIR)/libspfkit.so.$(VERSION)
	ln -sf libspfkit.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libspfkit.so.$(MAJOR)
	ln -sf libspfkit.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libspfkit.so
	install -m 644 include/spfkit.h $(DESTDIR)$(INCLUDEDIR)/spfkit.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' bindings/c/spfkit.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/spfkit.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libspfkit.a $(DESTDIR)$(LIBDIR)/libspfkit.so \
	      $(DESTDIR)$(LIBDIR)/libspfkit.so.$(MAJOR) $(DESTDIR)$(LIBDIR)/libspfkit.so.$(VERSION) \
	      $(DESTDIR)$(INCLUDEDIR)/spfkit.h $(DESTDIR)$(LIBDIR)/pkgconfig/spfkit.pc

c-test: header-check c-static c-valgrind c-sanitize c-pkgconfig c-example
	@echo "C tests: all passed"

$(BUILD):
	mkdir -p $(BUILD)

# The header alone, as strict C11 and as C++; only spfkit_ names exported.
header-check: lib | $(BUILD)
	printf '#include "spfkit.h"\nint main(void) { return spfkit_version() == 0; }\n' > $(BUILD)/header.c
	$(CC) $(STRICT) -Iinclude -c $(BUILD)/header.c -o $(BUILD)/header.o
	$(CXX) -std=c++11 -Wall -Wextra -Werror -pedantic-errors -Iinclude -x c++ -c $(BUILD)/header.c -o $(BUILD)/header-cxx.o
	@bad="$$(nm -D --defined-only $(RELEASE)/libspfkit.so | awk '{print $$3}' | grep -v '^spfkit_' || true)"; \
	 if [ -n "$$bad" ]; then echo "libspfkit.so exports symbols without the spfkit_ prefix: $$bad"; exit 1; fi
	@readelf -d $(RELEASE)/libspfkit.so | grep -q 'SONAME.*\[libspfkit.so.$(MAJOR)\]' \
	 || { echo "libspfkit.so's soname is not libspfkit.so.$(MAJOR)"; exit 1; }

# Linked statically: nothing of libspfkit is loaded at run time.
c-static: lib | $(BUILD)
	$(CC) $(STRICT) -D_DEFAULT_SOURCE -Iinclude $(API_SOURCES) $(RELEASE)/libspfkit.a $(LIBS) -o $(BUILD)/api
	$(CC) $(STRICT) -D_DEFAULT_SOURCE -Iinclude bindings/c/tests/suite.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/suite
	$(CC) $(STRICT) -D_DEFAULT_SOURCE -Iinclude bindings/c/tests/vectors.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/vectors
	$(CC) $(STRICT) -D_DEFAULT_SOURCE -Iinclude bindings/c/tests/policy.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/policy
	$(CC) $(STRICT) -D_DEFAULT_SOURCE -Iinclude bindings/c/tests/srs.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/srs
	@! readelf -d $(BUILD)/api | grep -q 'NEEDED.*libspfkit' || { echo "api linked libspfkit dynamically"; exit 1; }
	$(BUILD)/api
	$(BUILD)/suite tests/rfc7208/rfc7208-tests.json
	$(BUILD)/vectors tests/vectors/vectors.json
	$(BUILD)/policy tests/policy/cases.json
	$(BUILD)/srs tests/srs/vectors.json

c-valgrind: c-static
	$(VALGRIND) $(BUILD)/api
	$(VALGRIND) $(BUILD)/suite tests/rfc7208/rfc7208-tests.json
	$(VALGRIND) $(BUILD)/vectors tests/vectors/vectors.json
	$(VALGRIND) $(BUILD)/policy tests/policy/cases.json
	$(VALGRIND) $(BUILD)/srs tests/srs/vectors.json

c-sanitize: lib | $(BUILD)
	$(CC) $(STRICT) -D_DEFAULT_SOURCE $(SANITIZE) -Iinclude $(API_SOURCES) $(RELEASE)/libspfkit.a $(LIBS) -o $(BUILD)/api-san
	$(CC) $(STRICT) -D_DEFAULT_SOURCE $(SANITIZE) -Iinclude bindings/c/tests/suite.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/suite-san
	$(CC) $(STRICT) -D_DEFAULT_SOURCE $(SANITIZE) -Iinclude bindings/c/tests/vectors.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/vectors-san
	$(CC) $(STRICT) -D_DEFAULT_SOURCE $(SANITIZE) -Iinclude bindings/c/tests/policy.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/policy-san
	$(CC) $(STRICT) -D_DEFAULT_SOURCE $(SANITIZE) -Iinclude bindings/c/tests/srs.c $(RELEASE)/libspfkit.a $(JANSSON) $(LIBS) -o $(BUILD)/srs-san
	$(BUILD)/api-san
	$(BUILD)/suite-san tests/rfc7208/rfc7208-tests.json
	$(BUILD)/vectors-san tests/vectors/vectors.json
	$(BUILD)/policy-san tests/policy/cases.json
	$(BUILD)/srs-san tests/srs/vectors.json

# Installed into a temporary prefix and built the way a user would:
# cc app.c $(pkg-config --cflags --libs spfkit), linking the shared library.
c-pkgconfig: lib | $(BUILD)
	rm -rf $(BUILD)/prefix
	$(MAKE) --no-print-directory install PREFIX=$(CURDIR)/$(BUILD)/prefix
	PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/prefix/lib/pkgconfig sh -c \
	  '$(CC) $(STRICT) -D_DEFAULT_SOURCE $(API_SOURCES) $$(pkg-config --cflags --libs spfkit) -lpthread -o $(BUILD)/api-shared'
	@readelf -d $(BUILD)/api-shared | grep -q 'NEEDED.*\[libspfkit.so.$(MAJOR)\]' \
	 || { echo "api-shared does not need libspfkit.so.$(MAJOR)"; exit 1; }
	LD_LIBRARY_PATH=$(CURDIR)/$(BUILD)/prefix/lib $(BUILD)/api-shared
	$(MAKE) --no-print-directory uninstall PREFIX=$(CURDIR)/$(BUILD)/prefix
	@test -z "$$(find $(BUILD)/prefix -type f -o -type l)" || { echo "uninstall left files behind"; exit 1; }

# examples/c/spfcheck against NSD serving the example zone (tests/dns/serve.py);
# examples/c/policy.c and examples/c/srs.c print what README says they print.
c-example: lib | $(BUILD)
	$(CC) $(STRICT) -Iinclude examples/c/spfcheck.c $(RELEASE)/libspfkit.a -lresolv $(LIBS) -o $(BUILD)/spfcheck
	bash bindings/c/tests/example.sh $(BUILD)/spfcheck
	$(CC) $(STRICT) -Iinclude examples/c/policy.c $(RELEASE)/libspfkit.a $(LIBS) -o $(BUILD)/policy_example
	$(BUILD)/policy_example | diff -u examples/c/policy.expected -
	$(CC) $(STRICT) -Iinclude examples/c/srs.c $(RELEASE)/libspfkit.a $(LIBS) -o $(BUILD)/srs_example
	$(BUILD)/srs_example | diff -u examples/c/srs.expected -
	@for f in examples/c/policy.expected examples/c/srs.expected; do \
	  python3 -c 'import sys; sys.exit(open(sys.argv[1]).read() not in open("README.md").read())' $$f \
	  || { echo "README.md does not show $$f as it is"; exit 1; }; done
	@echo "examples/c/policy.c, examples/c/srs.c: their output as README shows"
