# Small helpers so every library and test is declared the same way.
#
# blend_cc_library(NAME <name> [SRCS ...] DEPS ... [PRIVATE_DEPS ...])
#   -> target blend_<name>, alias blend::<name>; public headers in ./include.
#   Without SRCS it is an INTERFACE (header-only) library.
# blend_cc_test(NAME <name> SRCS ... DEPS ... [LABEL unit|integration|e2e] [TIMEOUT s] [SERIAL])
#   -> GoogleTest executable registered with CTest under its label (default unit).
#   SERIAL: its tests never run beside other tests (timing-sensitive or machine-filling ones).
#   Unit tests are also collected into the `unit_tests` target, so the sanitizer build
#   can build exactly those and nothing else.
# blend_cc_binary(NAME <output-name> SRCS ... DEPS ...) -> executable in build/bin.
# Each of them compiles with the shared precompiled third-party headers (BlendPch.cmake).

include(${CMAKE_CURRENT_LIST_DIR}/BlendPch.cmake)

add_custom_target(unit_tests)

function(blend_cc_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target blend_${ARG_NAME})
  if(ARG_SRCS)
    add_library(${target} STATIC ${ARG_SRCS})
    target_include_directories(${target} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
                                         PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    target_compile_options(${target} PRIVATE ${BLEND_WARNINGS})
    blend_use_pch(${target})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  endif()
  add_library(blend::${ARG_NAME} ALIAS ${target})
endfunction()

function(blend_cc_test)
  cmake_parse_arguments(ARG "SERIAL" "NAME;LABEL;TIMEOUT" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_LABEL)
    set(ARG_LABEL unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  if(BLEND_UNIT_ONLY AND NOT ARG_LABEL STREQUAL "unit")
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gmock GTest::gtest_main)
  target_compile_options(${ARG_NAME} PRIVATE ${BLEND_WARNINGS})
  blend_use_pch(${ARG_NAME} TEST)
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  set(serial FALSE)
  if(ARG_SERIAL)
    set(serial TRUE)
  endif()
  # NO_PRETTY_VALUES: CTest names keep gtest's /0, /1 … instead of printing parameter structs
  # byte by byte (padding bytes made names unstable and the log binary).
  gtest_discover_tests(${ARG_NAME}
    DISCOVERY_MODE PRE_TEST NO_PRETTY_VALUES
    WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
    PROPERTIES LABELS ${ARG_LABEL} TIMEOUT ${ARG_TIMEOUT} RUN_SERIAL ${serial})
  if(ARG_LABEL STREQUAL "unit")
    add_dependencies(unit_tests ${ARG_NAME})
  endif()
endfunction()

function(blend_cc_binary)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS" ${ARGN})
  if(BLEND_UNIT_ONLY)
    return()
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_compile_options(${ARG_NAME} PRIVATE ${BLEND_WARNINGS})
  blend_use_pch(${ARG_NAME})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bin)
endfunction()

# blend_fuzz_standalone_main: the main() that runs a fuzz target's LLVMFuzzerTestOneInput over
# the files named on its command line, for builds without libFuzzer (g++). Compiled once and
# linked by every fuzz target of the tree (blend_fuzzer below and the hand-declared ones in
# libs/bus, libs/journey and services/blendctl).
add_library(blend_fuzz_standalone_main OBJECT
            ${PROJECT_SOURCE_DIR}/libs/journey/fuzz/standalone_main.cc)
target_compile_options(blend_fuzz_standalone_main PRIVATE ${BLEND_WARNINGS})

# blend_fuzzer(NAME <name> SRCS ... DEPS ... CORPUS <dir>)
#   -> a fuzz target in build/fuzz. Normal build: linked with blend_fuzz_standalone_main and
#   registered with CTest (label unit) over every file in CORPUS, so the kept corpus runs
#   as regression tests. With -DBLEND_LIBFUZZER=ON (clang, CMAKE_CXX_FLAGS with
#   -fsanitize=fuzzer-no-link,address,undefined): a real libFuzzer binary.
option(BLEND_LIBFUZZER "Build blend_fuzzer targets as libFuzzer binaries (clang only)" OFF)
function(blend_fuzzer)
  cmake_parse_arguments(ARG "" "NAME;CORPUS" "SRCS;DEPS" ${ARGN})
  add_executable(${ARG_NAME} ${ARG_SRCS})
  if(BLEND_LIBFUZZER)
    target_link_options(${ARG_NAME} PRIVATE -fsanitize=fuzzer,address,undefined)
  else()
    target_link_libraries(${ARG_NAME} PRIVATE blend_fuzz_standalone_main)
  endif()
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS})
  target_compile_options(${ARG_NAME} PRIVATE ${BLEND_WARNINGS})
  set_target_properties(${ARG_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  if(NOT BLEND_LIBFUZZER)
    add_dependencies(unit_tests ${ARG_NAME})
    file(GLOB corpus ${ARG_CORPUS}/*)
    add_test(NAME ${ARG_NAME}_corpus COMMAND ${ARG_NAME} ${corpus})
    set_tests_properties(${ARG_NAME}_corpus PROPERTIES LABELS unit TIMEOUT 120)
  endif()
endfunction()

# blend_testing_library(NAME <name> [SRCS ...] DEPS ... [PRIVATE_DEPS ...])
#   -> target blend_<name>_testing, alias blend::<name>_testing: the test helpers a library or
#   service offers to tests (fakes, fixtures, fresh databases). Headers in ./testing/include
#   (blend/<name>/testing/*.h), sources in ./testing/src. The folder is its own include root,
#   so no production target can include a testing header without linking the testing library.
#   Without SRCS it is an INTERFACE (header-only) library.
function(blend_testing_library)
  cmake_parse_arguments(ARG "" "NAME" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  set(target blend_${ARG_NAME}_testing)
  set(include_dir ${CMAKE_CURRENT_SOURCE_DIR}/testing/include)
  if(NOT IS_DIRECTORY ${include_dir}/blend)
    message(FATAL_ERROR "blend_testing_library(${ARG_NAME}): headers belong in ${include_dir}/blend/")
  endif()
  if(ARG_SRCS)
    add_library(${target} STATIC ${ARG_SRCS})
    target_include_directories(${target} PUBLIC ${include_dir})
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    target_compile_options(${target} PRIVATE ${BLEND_WARNINGS})
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${include_dir})
    target_link_libraries(${target} INTERFACE ${ARG_DEPS})
  endif()
  add_library(blend::${ARG_NAME}_testing ALIAS ${target})
endfunction()

# blend_test_binaries(<test target> <DEFINE>=<binary target> ...)
#   Gives a test the path of service binaries it starts as child processes (compile definition
#   DEFINE="path") and builds them first. Nothing when the test is not part of this build
#   (integration tests in the unit-only build).
function(blend_test_binaries test)
  if(NOT TARGET ${test})
    return()
  endif()
  foreach(pair IN LISTS ARGN)
    string(REPLACE "=" ";" parts ${pair})
    list(GET parts 0 define)
    list(GET parts 1 binary)
    target_compile_definitions(${test} PRIVATE ${define}="$<TARGET_FILE:${binary}>")
    add_dependencies(${test} ${binary})
  endforeach()
endfunction()
