#!/usr/bin/env python3
"""Fails (exit 1) when a PE image imports a function that Wine does not export, or exports only as
an "unimplemented" stub. Under Wine a missing import makes `sc start` fail with error 1053, and the
first call of a stub ends winedevice.exe (the driver host) while `sc query` still says RUNNING, so
either must stop the build, not a test run.

usage: check-wine-imports.py IMAGE [IMAGE ...]

Wine's PE builtins live where the libwine package put them (found with dpkg). A Wine stub is a
24-byte thunk: sub rsp,0x28; lea rcx,[dll name]; lea rdx,[function name]; call <helper>. The helper
is the call target most such thunks share.
"""
import collections
import os
import struct
import subprocess
import sys


def wine_pe_dir():
    try:
        files = subprocess.run(["dpkg", "-L", "libwine"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    for line in files.splitlines():
        if line.endswith("/x86_64-windows/ntoskrnl.exe"):
            return os.path.dirname(line)
    return None


class Image:
    """Just enough of a PE32+ reader: sections, exports, imports."""

    def __init__(self, path):
        with open(path, "rb") as f:
            self.data = f.read()
        pe = struct.unpack_from("<I", self.data, 0x3C)[0]
        if self.data[pe:pe + 4] != b"PE\0\0":
            raise ValueError(f"{path}: not a PE image")
        sections, optional_size = struct.unpack_from("<H12xH", self.data, pe + 6)
        optional = pe + 24
        if struct.unpack_from("<H", self.data, optional)[0] != 0x20B:
            raise ValueError(f"{path}: not a 64-bit image")
        self.directories = [struct.unpack_from("<II", self.data, optional + 112 + 8 * i) for i in range(16)]
        self.sections = []
        table = optional + optional_size
        for i in range(sections):
            vsize, va, rsize, raw = struct.unpack_from("<IIII", self.data, table + 40 * i + 8)
            self.sections.append((va, max(vsize, rsize), raw))

    def offset(self, rva):
        for va, size, raw in self.sections:
            if va <= rva < va + size:
                return raw + rva - va
        raise ValueError(f"RVA {rva:#x} is in no section")

    def string(self, rva):
        start = self.offset(rva)
        return self.data[start:self.data.index(b"\0", start)].decode("ascii")

    def u32(self, rva):
        return struct.unpack_from("<I", self.data, self.offset(rva))[0]

    def exports(self):
        rva, size = self.directories[0]
        if not size:
            return {}
        functions, names, address_rva, names_rva, ordinals_rva = struct.unpack_from(
            "<IIIII", self.data, self.offset(rva) + 20)
        result = {}
        for i in range(names):
            name = self.string(self.u32(names_rva + 4 * i))
            ordinal = struct.unpack_from("<H", self.data, self.offset(ordinals_rva + 2 * i))[0]
            result[name] = self.u32(address_rva + 4 * ordinal)
        return result

    def imports(self):
        rva, size = self.directories[1]
        result = collections.defaultdict(list)
        if not size:
            return result
        descriptor = self.offset(rva)
        while True:
            lookup, _, _, name_rva, thunks = struct.unpack_from("<IIIII", self.data, descriptor)
            if name_rva == 0:
                return result
            dll = self.string(name_rva)
            entry = lookup or thunks
            while True:
                value = struct.unpack_from("<Q", self.data, self.offset(entry))[0]
                if value == 0:
                    break
                result[dll].append(f"#{value & 0xFFFF}" if value >> 63 else self.string((value & 0x7FFFFFFF) + 2))
                entry += 8
            descriptor += 20

    def stub_helper_call(self, rva):
        """The call target if the code at rva is a Wine unimplemented-function thunk, else None."""
        try:
            code = self.data[self.offset(rva):self.offset(rva) + 23]
        except ValueError:
            return None
        if len(code) < 23 or code[0:4] != b"\x48\x83\xec\x28" or code[4:7] != b"\x48\x8d\x0d" \
                or code[11:14] != b"\x48\x8d\x15" or code[18] != 0xE8:
            return None
        return rva + 23 + struct.unpack_from("<i", code, 19)[0]


def stubs_of(image):
    exports = image.exports()
    calls = {name: image.stub_helper_call(rva) for name, rva in exports.items()}
    counted = collections.Counter(target for target in calls.values() if target is not None)
    if not counted:
        return exports, set()
    helper = counted.most_common(1)[0][0]
    return exports, {name for name, target in calls.items() if target == helper}


def main(paths):
    directory = wine_pe_dir()
    if directory is None:
        print("check-wine-imports: Wine (libwine) is not installed; cannot check imports", file=sys.stderr)
        return 1
    cache = {}
    problems = 0
    for path in paths:
        for dll, names in Image(path).imports().items():
            wine_dll = os.path.join(directory, dll.lower())
            if not os.path.exists(wine_dll):
                print(f"{path}: imports {dll}, which Wine does not provide")
                problems += 1
                continue
            if wine_dll not in cache:
                cache[wine_dll] = stubs_of(Image(wine_dll))
            exports, stubs = cache[wine_dll]
            for name in names:
                if name not in exports:
                    print(f"{path}: {dll}!{name} is not exported by Wine (the driver would not load)")
                    problems += 1
                elif name in stubs:
                    print(f"{path}: {dll}!{name} is a Wine stub (calling it ends winedevice.exe)")
                    problems += 1
            print(f"{os.path.basename(path)}: {dll}: {len(names)} imports checked")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
