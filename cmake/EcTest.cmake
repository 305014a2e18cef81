# ec_add_test_suite(NAME SOURCES ... LIBS ... LABELS ... [ENVIRONMENT ...])
# One GoogleTest executable per module; each case becomes a CTest test, discovered when the
# tests run (PRE_TEST) so that a crash at start-up fails a test instead of the build.
function(ec_add_test_suite name)
    cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS;ENVIRONMENT" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE GTest::gtest GTest::gtest_main ec_warnings ${T_LIBS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/tests)
    target_compile_definitions(${name} PRIVATE
        EC_TEST_BINARY_DIR="${PROJECT_BINARY_DIR}"
        EC_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    gtest_discover_tests(${name}
        DISCOVERY_MODE PRE_TEST
        DISCOVERY_TIMEOUT 60
        PROPERTIES LABELS "${T_LABELS}" ENVIRONMENT "${T_ENVIRONMENT}" TIMEOUT 600)
endfunction()
