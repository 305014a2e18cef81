# Install-time step of the offline tree, run when EC_BUNDLE=1 (cpack's TGZ, or by hand:
# `EC_BUNDLE=1 cmake --install build --prefix DIR`). Copies into lib/elastic-chat every shared
# library the installed executables and the Qt plugins need, except glibc's and the GPU driver's,
# and sets DT_RPATH (not RUNPATH: it also applies to the libraries' own dependencies) so the
# bundled copies win over whatever the target machine has. Inputs from cmake/Packaging.cmake:
# EC_BUNDLE_EXECUTABLES, EC_BUNDLE_BINDIR, EC_QT_PLUGIN_DIR, EC_PACKAGING_DIR.
if(NOT "$ENV{EC_BUNDLE}" STREQUAL "1")
    return()
endif()

set(_prefix "$ENV{DESTDIR}${CMAKE_INSTALL_PREFIX}")
set(_bin "${_prefix}/${EC_BUNDLE_BINDIR}")
set(_lib "${_prefix}/lib/elastic-chat")
find_program(_patchelf patchelf)
if(NOT _patchelf)
    message(FATAL_ERROR "bundle: patchelf is missing; run packaging/install-deps.sh")
endif()

set(_executables "")
foreach(_exe IN LISTS EC_BUNDLE_EXECUTABLES)
    list(APPEND _executables "${_bin}/${_exe}")
endforeach()

# Qt plugins: the platforms a desktop or a headless run needs, GL integration, image formats and
# input methods. Each lands in plugins/<category>/ with an RPATH back to lib/elastic-chat.
set(_modules "")
if(EC_QT_PLUGIN_DIR)
    foreach(_plugin IN ITEMS platforms/libqxcb.so platforms/libqoffscreen.so
                             platforms/libqminimal.so xcbglintegrations/libqxcb-glx-integration.so
                             xcbglintegrations/libqxcb-egl-integration.so
                             platforminputcontexts/libcomposeplatforminputcontextplugin.so)
        if(EXISTS "${EC_QT_PLUGIN_DIR}/${_plugin}")
            cmake_path(GET _plugin PARENT_PATH _category)
            file(COPY "${EC_QT_PLUGIN_DIR}/${_plugin}" DESTINATION "${_lib}/plugins/${_category}")
            list(APPEND _modules "${_lib}/plugins/${_plugin}")
        endif()
    endforeach()
    file(GLOB _formats "${EC_QT_PLUGIN_DIR}/imageformats/*.so")
    foreach(_format IN LISTS _formats)
        file(COPY "${_format}" DESTINATION "${_lib}/plugins/imageformats")
        cmake_path(GET _format FILENAME _name)
        list(APPEND _modules "${_lib}/plugins/imageformats/${_name}")
    endforeach()
    file(COPY "${EC_PACKAGING_DIR}/qt.conf" DESTINATION "${_bin}")
endif()

# Not bundled: glibc (it must match the kernel-facing loader of the machine), the GPU driver's
# libraries (they must match the installed kernel module) and libglvnd's GL/EGL entry points,
# which dispatch to that driver. packaging/check-bundle.sh allows exactly these from the system.
# packaging/system-libraries.txt: one extended regular expression per line, on file names.
file(STRINGS "${EC_PACKAGING_DIR}/system-libraries.txt" _system_regexes REGEX "^[^#]")
file(GET_RUNTIME_DEPENDENCIES
    EXECUTABLES ${_executables}
    MODULES ${_modules}
    RESOLVED_DEPENDENCIES_VAR _resolved
    UNRESOLVED_DEPENDENCIES_VAR _unresolved
    PRE_EXCLUDE_REGEXES ${_system_regexes})
if(_unresolved)
    message(FATAL_ERROR "bundle: cannot find ${_unresolved}; install the packages that provide them")
endif()

file(MAKE_DIRECTORY "${_lib}")
foreach(_dep IN LISTS _resolved)
    cmake_path(GET _dep FILENAME _name)
    # COPY_FILE follows the soname symlink: the bundle holds the real file under its soname.
    file(COPY_FILE "${_dep}" "${_lib}/${_name}" ONLY_IF_DIFFERENT)
    file(CHMOD "${_lib}/${_name}" PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
endforeach()
list(LENGTH _resolved _count)
message(STATUS "bundle: ${_count} libraries in ${_lib}")

foreach(_exe IN LISTS _executables)
    execute_process(COMMAND "${_patchelf}" --force-rpath --set-rpath "\$ORIGIN/../lib/elastic-chat" "${_exe}"
                    COMMAND_ERROR_IS_FATAL ANY)
endforeach()
foreach(_module IN LISTS _modules)
    execute_process(COMMAND "${_patchelf}" --force-rpath --set-rpath "\$ORIGIN/../.." "${_module}"
                    COMMAND_ERROR_IS_FATAL ANY)
endforeach()

# The licences of what we redistribute: each bundled library's Debian copyright file.
execute_process(COMMAND bash "${EC_PACKAGING_DIR}/collect-licenses.sh"
                        "${_prefix}/share/doc/elastic-chat/third-party" ${_resolved}
                COMMAND_ERROR_IS_FATAL ANY)
