# A clean Debian 12, for checking what a stock system does with our packages and scripts.
# Sourced (not run) by scripts/install-deb-test and scripts/install-deps-test, as root.
#
# It is a fresh root made with debootstrap (minbase: essential packages and apt, nothing
# else) from the mirror that this machine's apt uses, entered with chroot:
#   clean_debian_root LOG_DIR   makes it in $root (a new folder under /tmp), with the suites
#                               of an installed Debian 12 (main, updates, security), this
#                               machine's network settings, and /proc, /sys, /dev mounted
#   in_root CMD...              runs CMD in it as root, with a clean environment
# Everything mounted under $root is unmounted, and $root deleted, when the script exits.
#
# Environment:
#   GOALPOST_DEBIAN_MIRROR   the Debian mirror (default: the first one apt uses here)
#   GOALPOST_CLEAN_CACHE     a folder that keeps the freshly debootstrapped root as a
#                            tarball, taken before anything is installed, so that later runs
#                            skip debootstrap (default ~/.cache/goalpost; empty: no cache)

if [[ $(id -u) -ne 0 ]]; then echo "$(basename "$0"): run as root (debootstrap, chroot)" >&2; exit 2; fi

# The mirror apt already uses (deb822 sources first, then the one-line format).
debian_mirror() {
  local m="${GOALPOST_DEBIAN_MIRROR:-}"
  [[ -n "$m" ]] || m=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1 || true)
  [[ -n "$m" ]] || m=$(grep -hs '^deb ' /etc/apt/sources.list | awk '{print $2}' | grep -v security | head -1 || true)
  echo "${m:-http://deb.debian.org/debian}"
}

root=""
# Mount points under $root, deepest first.
mounted() { awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r; }
clean_debian_cleanup() {
  [[ -n "$root" && -d "$root" ]] || return 0
  local m
  for m in $(mounted); do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  # Never delete through a mount that is still there (it would reach the host's /dev).
  if [[ -n "$(mounted)" ]]; then
    echo "$(basename "$0"): left $root in place: still mounted: $(mounted | tr '\n' ' ')" >&2
  else
    rm -rf --one-file-system "$root"
  fi
}

in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

clean_debian_root() {
  local log="$1" mirror security cache base
  command -v debootstrap >/dev/null || apt-get -o DPkg::Lock::Timeout=900 install -y -q debootstrap
  mirror=$(debian_mirror)
  security="${mirror%/debian}/debian-security"
  root=$(mktemp -d /tmp/goalpost-clean-XXXXXX)
  trap clean_debian_cleanup EXIT
  cache="${GOALPOST_CLEAN_CACHE-$HOME/.cache/goalpost}"
  base="${cache:+$cache/debian12-minbase.tar}"
  if [[ -n "$base" && -f "$base" ]]; then
    echo "== a clean Debian 12 in $root (from $base, made by debootstrap before any install)"
    tar -xpf "$base" -C "$root"
  else
    echo "== a clean Debian 12 in $root (debootstrap from $mirror; several minutes)"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log/debootstrap.log"
    if [[ -n "$base" ]]; then
      mkdir -p "$cache"
      tar -cpf "$base.tmp" -C "$root" . && mv "$base.tmp" "$base"
    fi
  fi
  chmod 755 "$root"  # its / must be open to the users in it (mktemp made it 0700)
  # The same suites as an installed Debian 12: main, updates and security.
  cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
  # This machine's way out: its name server; mirrors that serve a snapshot (Release files
  # past their Valid-Until date); the certificate authorities it adds (a proxy's), which
  # ca-certificates takes in when it is installed; pip's settings (where to find them).
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cp /etc/apt/apt.conf.d/99artifact-registry "$root/etc/apt/apt.conf.d/" 2>/dev/null || true
  mkdir -p "$root/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  cp /etc/pip.conf "$root/etc/pip.conf" 2>/dev/null || true
  mount -t proc proc "$root/proc"
  mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
  mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
}
