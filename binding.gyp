# The addon for node-gyp: what an install builds when no prebuilt in prebuilds/ fits (npm runs
# scripts/install-addon.cjs, which runs node-gyp only then). The project's own builds use cmake-js
# (CMakeLists.txt). Both take their sources from native/sources.json: add a source there.
# node-gyp compiles in its delay-load hook (win_delay_load_hook), so the addon binds to whichever
# process loads it (node.exe, Electron, a renamed or single-executable Node).
{
  "targets": [
    {
      "target_name": "miracast_hil",
      "sources": ["<!@(node -p \"require('./native/sources.json').join(' ')\")"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "driver/include",
        "driver/umd/include"
      ],
      "defines": [
        "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
        "WIN32_LEAN_AND_MEAN", "NOMINMAX", "UNICODE", "_UNICODE", "_WIN32_WINNT=0x0A00"
      ],
      "conditions": [
        ["OS=='win'", {
          "libraries": ["ntdll.lib", "ws2_32.lib"],
          "msvs_settings": {
            "VCCLCompilerTool": { "ExceptionHandling": 1, "WarningLevel": 4, "AdditionalOptions": ["/std:c++17"] }
          }
        }]
      ]
    }
  ]
}
