#pragma once
// SHA-256 (OpenSSL's EVP implementation, Debian libssl-dev) of bytes and of
// files: how potential files are identified in cache provenance and in fitted
// Hamiltonians.
#include <string>
#include <string_view>

namespace hkmc::neb {

// Lower-case hex digest.
std::string sha256_hex(std::string_view bytes);
// Digest of a file's bytes; throws RuntimeError naming the file if unreadable.
std::string sha256_of_file(const std::string& path);

}  // namespace hkmc::neb
