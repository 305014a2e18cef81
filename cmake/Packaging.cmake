# Install layout and the packages (docs/packaging.md):
#   bin/elastic-cli, bin/elastic-chat
#   share/elastic-chat/{models/demo,samples}   found by app::resourcesDirectory()
#   share/applications, share/icons, share/doc/elastic-chat
# and, in the offline tree only (EC_BUNDLE=1 at install time, set by cpack for TGZ):
#   lib/elastic-chat/          every shared library the binaries need but glibc's and the GPU driver's
#   lib/elastic-chat/plugins/  the Qt plugins; bin/qt.conf points Qt at them
# `cmake --build build --target package` writes the .deb (Debian's libraries as dependencies), the
# .tar.gz of the bundled tree and the self-extracting .run installer made from it.

install(TARGETS elastic-cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(EC_INSTALLED_EXECUTABLES elastic-cli)
if(EC_WITH_UI)
    install(TARGETS elastic-chat RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    list(APPEND EC_INSTALLED_EXECUTABLES elastic-chat)
endif()

set(EC_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/elastic-chat)
if(EXISTS ${CMAKE_SOURCE_DIR}/resources/models/demo/config.json)
    install(DIRECTORY resources/models/demo DESTINATION ${EC_SHARE_DIR}/models)
else()
    message(WARNING "resources/models/demo is missing: the packages will have no default model")
endif()
install(DIRECTORY resources/samples DESTINATION ${EC_SHARE_DIR})
install(FILES packaging/elastic-chat.desktop DESTINATION ${CMAKE_INSTALL_DATADIR}/applications)
install(FILES packaging/elastic-chat.svg
        DESTINATION ${CMAKE_INSTALL_DATADIR}/icons/hicolor/scalable/apps)
# Beside the bundle's third-party licences (packaging/bundle.cmake), under the package name.
install(FILES LICENSE README.md DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/elastic-chat)

# The offline tree: bundled libraries, Qt plugins, RPATHs, third-party licences.
set(EC_QT_PLUGIN_DIR "")
if(EC_WITH_UI)
    # Set by Qt6Core's package configuration.
    cmake_path(ABSOLUTE_PATH QT6_INSTALL_PLUGINS BASE_DIRECTORY "${QT6_INSTALL_PREFIX}"
               OUTPUT_VARIABLE EC_QT_PLUGIN_DIR)
endif()
install(CODE "
    set(EC_BUNDLE_EXECUTABLES \"${EC_INSTALLED_EXECUTABLES}\")
    set(EC_BUNDLE_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
    set(EC_QT_PLUGIN_DIR \"${EC_QT_PLUGIN_DIR}\")
    set(EC_PACKAGING_DIR \"${CMAKE_SOURCE_DIR}/packaging\")
    include(\"${CMAKE_SOURCE_DIR}/packaging/bundle.cmake\")
")

set(CPACK_PACKAGE_NAME elastic-chat)
set(CPACK_PACKAGE_VENDOR "Elastic Chat")
set(CPACK_PACKAGE_CONTACT "Elastic Chat <elastic-chat@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Chat with vision-language models locally, with an Elastic Cache compacted KV cache")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_FILE_NAME elastic-chat-${PROJECT_VERSION}-linux-${CMAKE_SYSTEM_PROCESSOR})
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR "DEB;TGZ")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# Per-generator settings (bundling for TGZ) and the .run installer made after the archives.
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_SOURCE_DIR}/packaging/cpack_project_config.cmake)
set(CPACK_POST_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/packaging/make_run_installer.cmake)
set(CPACK_EC_PACKAGING_DIR ${CMAKE_SOURCE_DIR}/packaging)
include(CPack)
