# CPACK_POST_BUILD_SCRIPTS: after the TGZ generator, turn its archive into the .run installer and
# print the size of every package.
foreach(_file IN LISTS CPACK_PACKAGE_FILES)
    if(_file MATCHES "\\.tar\\.gz$")
        # Next to the other packages (CPACK_PACKAGE_FILES are still in cpack's staging folder).
        cmake_path(GET _file FILENAME _name)
        string(REGEX REPLACE "\\.tar\\.gz$" ".run" _run "${CPACK_PACKAGE_DIRECTORY}/${_name}")
        execute_process(COMMAND bash "${CPACK_EC_PACKAGING_DIR}/make-run-installer.sh" "${_file}"
                                "${_run}" "${CPACK_PACKAGE_VERSION}" COMMAND_ERROR_IS_FATAL ANY)
        list(APPEND CPACK_PACKAGE_FILES "${_run}")
    endif()
endforeach()
foreach(_file IN LISTS CPACK_PACKAGE_FILES)
    file(SIZE "${_file}" _bytes)
    math(EXPR _mb "${_bytes} / 1048576")
    message(STATUS "package: ${_file} (${_mb} MB)")
endforeach()
