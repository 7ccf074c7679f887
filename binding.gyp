{
  "targets": [
    {
      "target_name": "refract",
      "sources": ["native/refract.cc", "native/distributed.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node native/find-libtorch.cjs include)"
      ],
      "defines": ["NAPI_CPP_EXCEPTIONS", "NAPI_VERSION=8", "<!@(node native/find-libtorch.cjs defines)"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-frtti", "-fexceptions", "-Wno-unused-parameter"],
      "libraries": ["<!@(node native/find-libtorch.cjs libs)"]
    }
  ]
}
