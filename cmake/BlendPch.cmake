# Precompiled headers shared by every Blend target (included by BlendHelpers.cmake).
#
# Most of a Blend translation unit's compile time went into parsing the same third-party
# headers again (gRPC, Protobuf, libpqxx, nlohmann/json, Abseil, prometheus-cpp, CLI11 and,
# in tests, GoogleTest). Two small targets precompile them once per build directory:
#   blend_pch       the third-party headers of production code
#   blend_test_pch  the same plus gtest/gmock, for test executables
# and every other target reuses one of them (target_precompile_headers REUSE_FROM): the
# helpers call blend_use_pch, and blend_pch_sweep (run once at the end of configuration)
# gives it to the targets declared with raw add_library/add_executable. All targets of a
# build directory share one set of compile flags, which is what REUSE_FROM needs; a target
# that cannot use the header for a reason GCC detects gets -Winvalid-pch's warning and is
# compiled without it (correct, only slower).
#
# Not in the list on purpose: Blend's own headers and the generated *.pb.h (they change
# often; every change would rebuild everything); httplib.h (its meaning depends on
# CPPHTTPLIB_* definitions that only some targets have); CLI11 (its header defines
# validator objects at namespace scope, so every translation unit including it compiles and
# initialises them: in the shared header that cost lands on every file).
#
# Off by default: measured per file they save 0-22 % of the CPU (code generation at -O2 -g,
# not parsing, dominates; docs/building.md), the whole tree has not yet been built and tested
# with them, and turning them on changes every compile command, so every cached object misses
# once. -DBLEND_PCH=ON builds with them.

option(BLEND_PCH "Precompile the heavy third-party headers once per build directory" OFF)

set(BLEND_PCH_HEADERS
  <algorithm> <atomic> <chrono> <cstdint> <deque> <fstream> <functional> <iostream> <map>
  <memory> <mutex> <optional> <set> <sstream> <string> <string_view> <thread>
  <unordered_map> <utility> <variant> <vector>
  <absl/container/flat_hash_map.h> <absl/container/flat_hash_set.h>
  <absl/status/status.h> <absl/status/statusor.h>
  <absl/strings/ascii.h> <absl/strings/escaping.h> <absl/strings/match.h>
  <absl/strings/numbers.h> <absl/strings/str_cat.h> <absl/strings/str_format.h>
  <absl/strings/str_join.h> <absl/strings/str_split.h>
  <absl/synchronization/mutex.h> <absl/synchronization/notification.h>
  <absl/time/clock.h> <absl/time/time.h>
  <nlohmann/json.hpp>
  <google/protobuf/message.h> <google/protobuf/util/json_util.h>
  <google/protobuf/util/time_util.h>
  <grpcpp/grpcpp.h>
  <pqxx/pqxx>
  <prometheus/counter.h> <prometheus/gauge.h> <prometheus/histogram.h>
  <prometheus/registry.h>)
set(BLEND_TEST_PCH_HEADERS ${BLEND_PCH_HEADERS} <gmock/gmock.h> <gtest/gtest.h>)

# ccache caches compiles that use a precompiled header only with these sloppiness settings,
# and GCC's preprocessed output names the header only with -fpch-preprocess. Without them
# every such compile would be a cache miss. ccache 4.7 takes settings from the environment
# only, so the launcher becomes `env CCACHE_SLOPPINESS=<the user's>,pch_defines,time_macros
# ccache` (the user's own sloppiness is kept).
set(BLEND_PCH_FLAGS)
if(BLEND_PCH AND CMAKE_CXX_COMPILER_LAUNCHER MATCHES "(^|/)ccache$")
  execute_process(COMMAND ${CMAKE_CXX_COMPILER_LAUNCHER} -k sloppiness
                  OUTPUT_VARIABLE blend_sloppiness OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
  string(REPLACE " " "" blend_sloppiness "${blend_sloppiness}")
  string(REPLACE "," ";" blend_sloppiness "${blend_sloppiness}")
  list(APPEND blend_sloppiness pch_defines time_macros)
  list(REMOVE_DUPLICATES blend_sloppiness)
  list(REMOVE_ITEM blend_sloppiness "")
  string(REPLACE ";" "," blend_sloppiness "${blend_sloppiness}")
  # A normal variable: it shadows the cache entry for the targets created from here on.
  set(CMAKE_CXX_COMPILER_LAUNCHER env CCACHE_SLOPPINESS=${blend_sloppiness}
      ${CMAKE_CXX_COMPILER_LAUNCHER})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set(BLEND_PCH_FLAGS -fpch-preprocess)
  endif()
endif()

if(BLEND_PCH)
  # The headers are precompiled with -pthread (gRPC and Abseil ask for it), and GCC refuses a
  # header compiled with _REENTRANT in a compile without it: every target gets -pthread.
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    add_compile_options(-pthread)
  endif()
  set(blend_pch_anchor ${CMAKE_BINARY_DIR}/blend_pch_anchor.cc)
  file(CONFIGURE OUTPUT ${blend_pch_anchor}
       CONTENT "// Anchor of the shared precompiled headers (cmake/BlendPch.cmake).\n")
  foreach(pch blend_pch blend_test_pch)
    add_library(${pch} STATIC ${blend_pch_anchor})
    target_compile_options(${pch} PRIVATE ${BLEND_PCH_FLAGS})
    # Include paths only; nothing links these targets.
    target_link_libraries(${pch} PRIVATE gRPC::grpc++ protobuf::libprotobuf
                          nlohmann_json::nlohmann_json PkgConfig::PQXX prometheus-cpp::core
                          absl::status absl::statusor absl::strings
                          absl::str_format absl::time absl::synchronization
                          absl::flat_hash_map absl::flat_hash_set)
  endforeach()
  target_precompile_headers(blend_pch PRIVATE ${BLEND_PCH_HEADERS})
  target_link_libraries(blend_test_pch PRIVATE GTest::gmock GTest::gtest)
  target_precompile_headers(blend_test_pch PRIVATE ${BLEND_TEST_PCH_HEADERS})
endif()

# blend_use_pch(<target> [TEST]): reuse the shared precompiled headers (TEST: with gtest/gmock).
function(blend_use_pch target)
  cmake_parse_arguments(ARG "TEST" "" "" ${ARGN})
  if(NOT BLEND_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  get_target_property(done ${target} PRECOMPILE_HEADERS_REUSE_FROM)
  get_target_property(own ${target} PRECOMPILE_HEADERS)
  if(NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$"
     OR done OR own)
    return()
  endif()
  set(from blend_pch)
  if(ARG_TEST)
    set(from blend_test_pch)
  endif()
  target_precompile_headers(${target} REUSE_FROM ${from})
  target_compile_options(${target} PRIVATE ${BLEND_PCH_FLAGS})
endfunction()

# Every target of the tree declared without the helpers: test executables are recognised by
# linking GoogleTest. Called once, deferred to the end of the top-level CMakeLists.txt.
function(blend_pch_sweep)
  set(dirs ${CMAKE_SOURCE_DIR})
  while(dirs)
    list(POP_FRONT dirs dir)
    get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    list(APPEND dirs ${subdirs})
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(t IN LISTS targets)
      if(t MATCHES "^blend_(test_)?pch$")
        continue()
      endif()
      get_target_property(libs ${t} LINK_LIBRARIES)
      if(libs MATCHES "GTest::")
        blend_use_pch(${t} TEST)
      else()
        blend_use_pch(${t})
      endif()
    endforeach()
  endwhile()
endfunction()
# Deferred twice: the second deferral queues the sweep behind every call other folders
# deferred to the end of the top level (they may still create targets).
function(blend_pch_sweep_last)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL blend_pch_sweep)
endfunction()
if(BLEND_PCH)
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL blend_pch_sweep_last)
endif()
