# pg_dts — PGXS build of the extension, plus the sidecar, the SQL Server simulator and the tests.
#
#   make                 the product: extension .so and dts-sidecar
#   make install         install both into the PostgreSQL found by PG_CONFIG
#   make simulator       build/sqlsim, the SQL Server simulator used by tests and the demo
#   make unit-build      build/unit_tests (GoogleTest)
#   make installcheck    pg_regress (needs a running server; scripts/test-all.sh provides one)
#   make unit            build and run the GoogleTest units
#   make format-check    clang-format check of all C++ sources

BUILD        = build
EXTENSION    = pg_dts
MODULE_big   = pg_dts
EXT_SRCS     = $(sort $(wildcard extension/src/*.cpp))
COMMON_SRCS  = $(sort $(wildcard common/*.cpp))
OBJS         = $(EXT_SRCS:.cpp=.o) $(patsubst common/%.cpp,extension/common_%.o,$(COMMON_SRCS))
SQL_PARTS    = $(sort $(wildcard extension/sql/[0-9][0-9]_*.sql))
DATA_built   = pg_dts--$(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pg_dts.control).sql
REGRESS      = install fdw_options fdw_import fdw_scan fdw_pushdown fdw_source_exec task_api precheck schema_sync apply operations
REGRESS_OPTS = --inputdir=.
EXTRA_CLEAN  = build extension/src/*.d extension/*.d

PG_CONFIG ?= pg_config
PG_DTS_VERSION := $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pg_dts.control)
PG_CXXFLAGS = -isystem $(shell $(PG_CONFIG) --includedir-server) -DPG_DTS_VERSION='"$(PG_DTS_VERSION)"'  -std=c++20 -fvisibility=hidden -Wall -Wextra -Werror -Wno-missing-field-initializers \
              -Wno-register -Icommon -MMD -MP
SHLIB_LINK  = -lsybdb -lstdc++

# No LLVM bitcode for JIT inlining: our code is not on PostgreSQL's expression hot path.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

all: sidecar

install: install-sidecar
install-sidecar: $(BUILD)/dts-sidecar
	$(MKDIR_P) '$(DESTDIR)$(bindir)'
	$(INSTALL_PROGRAM) $(BUILD)/dts-sidecar '$(DESTDIR)$(bindir)/dts-sidecar'

# The install script is assembled from its parts (one per concern) in name order.
$(DATA_built): $(SQL_PARTS)
	cat $^ > $@

extension/common_%.o: common/%.cpp
	$(CXX) $(CXXFLAGS) $(CPPFLAGS) -c -o $@ $<

# Header dependencies of the extension's objects (PGXS tracks them only with --enable-depend):
# a changed header such as common/tds_connection.hpp must rebuild every object that includes it.
-include $(wildcard extension/src/*.d extension/*.d)

# ---- plain C++ parts (no PostgreSQL server headers) -------------------------------------
CXXSTD    = -DPG_DTS_VERSION='"$(PG_DTS_VERSION)"' -std=c++20 -O2 -g -Wall -Wextra -Werror -pthread -MMD -MP
PLAIN_CXX = $(CXX) $(CXXSTD)

$(BUILD)/%.o: %.cpp
	@mkdir -p $(dir $@)
	$(PLAIN_CXX) $(PLAIN_INC) -c -o $@ $<

PLAIN_INC = -Icommon -Itest/simulator -I$(shell $(PG_CONFIG) --includedir)

COMMON_OBJS = $(patsubst %.cpp,$(BUILD)/%.o,$(COMMON_SRCS))

SIDECAR_SRCS = $(sort $(wildcard sidecar/src/*.cpp))
SIDECAR_OBJS = $(patsubst %.cpp,$(BUILD)/%.o,$(SIDECAR_SRCS))
# tcmalloc: the log reader allocates a few small strings per decoded column; with glibc's malloc
# a quarter of the reader's CPU went to the allocator (bench/log_reader.sh, docs/log-reader.md).
# Debian ships only the runtime library of the minimal variant, hence the file name.
SIDECAR_LIBS = -lsybdb -L$(shell $(PG_CONFIG) --libdir) -lpq -lboost_program_options \
               -lprometheus-cpp-pull -lprometheus-cpp-core -lcurl -l:libtcmalloc_minimal.so.4

SIM_SRCS = $(sort $(wildcard test/simulator/tds/*.cpp test/simulator/sql/*.cpp))
SIM_OBJS = $(patsubst %.cpp,$(BUILD)/%.o,$(SIM_SRCS))
SIM_LIBS = -lsqlite3 -lssl -lcrypto

UNIT_SRCS = $(sort $(wildcard test/unit/*.cpp))
UNIT_OBJS = $(patsubst %.cpp,$(BUILD)/%.o,$(UNIT_SRCS))

.PHONY: sidecar simulator unit-build unit integration-build format-check
ITEST_SRCS = $(sort $(wildcard test/integration/cpp/*.cpp))
ITEST_OBJS = $(patsubst %.cpp,$(BUILD)/%.o,$(ITEST_SRCS))
integration-build: $(BUILD)/integration_tests
$(BUILD)/integration_tests: $(ITEST_OBJS) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(PLAIN_CXX) -o $@ $^ -lsybdb -lgtest_main -lgtest

sidecar: $(BUILD)/dts-sidecar
simulator: $(BUILD)/sqlsim
unit-build: $(BUILD)/unit_tests

$(BUILD)/dts-sidecar: $(SIDECAR_OBJS) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(PLAIN_CXX) -o $@ $^ $(SIDECAR_LIBS)

$(BUILD)/sqlsim: $(BUILD)/test/simulator/main.o $(SIM_OBJS)
	@mkdir -p $(dir $@)
	$(PLAIN_CXX) -o $@ $^ $(SIM_LIBS)

# Header-only sidecar code (sidecar/src/log_rows.hpp) tested without the sidecar's objects, and
# the apply lane (no dependencies of its own).
$(BUILD)/test/unit/sidecar_log_rows_test.o: PLAIN_INC += -Isidecar/src
$(BUILD)/test/unit/sidecar_apply_lane_test.o: PLAIN_INC += -Isidecar/src
$(BUILD)/unit_tests: $(UNIT_OBJS) $(COMMON_OBJS) $(SIM_OBJS) $(BUILD)/sidecar/src/apply_lane.o
	@mkdir -p $(dir $@)
	$(PLAIN_CXX) -o $@ $^ $(SIM_LIBS) -lsybdb -lgmock -lgtest_main -lgtest

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

FORMAT_SRCS = $(shell git ls-files '*.cpp' '*.hpp' '*.h' 2>/dev/null)
format-check:
	@clang-format --dry-run --Werror $(FORMAT_SRCS) && echo "clang-format: clean"

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---- benchmarks (not part of `all`) -------------------------------------------------------------
#   make bench-build     build/apply_bench, the driver of bench/apply.sh, and build/log_decode_bench
#                        (bench/log_reader.sh: the log reader's decoding alone, on the sidecar's objects)
.PHONY: bench-build
BENCH_APPLY_OBJS = $(BUILD)/bench/apply_bench.o $(BUILD)/sidecar/src/apply_writer.o \
                   $(BUILD)/sidecar/src/metrics.o \
                   $(BUILD)/sidecar/src/pg_connection.o $(BUILD)/sidecar/src/log.o \
                   $(patsubst %,$(BUILD)/common/%.o,change_batch copy_text lsn nul_policy pg_quote)
bench-build: $(BUILD)/apply_bench $(BUILD)/log_decode_bench
$(BUILD)/bench/apply_bench.o: PLAIN_INC += -Isidecar/src
$(BUILD)/bench/log_decode_bench.o: PLAIN_INC += -Isidecar/src
# The sidecar's own objects (all but its main()): the benchmark runs the reader's real code.
$(BUILD)/log_decode_bench: $(BUILD)/bench/log_decode_bench.o \
                           $(filter-out $(BUILD)/sidecar/src/main.o,$(SIDECAR_OBJS)) $(COMMON_OBJS)
	@mkdir -p $(dir $@)
	$(PLAIN_CXX) -o $@ $^ $(SIDECAR_LIBS)
$(BUILD)/apply_bench: $(BENCH_APPLY_OBJS)
	@mkdir -p $(dir $@)
	$(PLAIN_CXX) -o $@ $^ -L$(shell $(PG_CONFIG) --libdir) -lpq -lprometheus-cpp-pull -lprometheus-cpp-core
