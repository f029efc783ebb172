//! The packages a school installs (issue 7.6), as promised by `tauri.conf.json`.
//!
//! Only Linux packages can be built here (`scripts/package`, `scripts/install-deb-test`);
//! these tests guard the settings that the Windows and macOS builds depend on, so that a
//! careless edit is caught before a school builds on those systems.

use serde_json::Value;

fn config() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tauri.conf.json");
    let text = std::fs::read_to_string(path).expect("tauri.conf.json is readable");
    serde_json::from_str(&text).expect("tauri.conf.json is JSON")
}

#[test]
fn every_platform_has_its_package() {
    let c = config();
    let targets: Vec<&str> = c["bundle"]["targets"]
        .as_array()
        .expect("bundle.targets lists the packages")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for t in ["deb", "appimage", "msi", "nsis", "dmg"] {
        assert!(targets.contains(&t), "{t} missing from {targets:?}");
    }
    assert_eq!(c["bundle"]["active"], true);
    assert_eq!(
        c["mainBinaryName"], "goalpost-desktop",
        "the name docs and schedules use"
    );
}

#[test]
fn windows_installers_bring_webview2_when_it_is_missing() {
    let mode = &config()["bundle"]["windows"]["webviewInstallMode"]["type"];
    assert!(
        mode == "downloadBootstrapper" || mode == "embedBootstrapper" || mode == "offlineInstaller",
        "webviewInstallMode {mode} would leave a PC without WebView2 with an app that cannot start"
    );
}

#[test]
fn macos_asks_for_the_camera_with_a_reason() {
    let c = config();
    // The Tauri CLI merges src-tauri/Info.plist into the app's; without this key macOS
    // ends the app when the station first opens the camera.
    let plist = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Info.plist"))
        .expect("src-tauri/Info.plist");
    let key = plist
        .find("<key>NSCameraUsageDescription</key>")
        .expect("NSCameraUsageDescription in Info.plist");
    let rest = &plist[key..];
    let reason = rest
        .split("<string>")
        .nth(1)
        .and_then(|s| s.split("</string>").next())
        .unwrap_or("");
    assert!(reason.len() > 20, "a real sentence, not {reason:?}");

    let entitlements = c["bundle"]["macOS"]["entitlements"]
        .as_str()
        .expect("entitlements");
    let path = format!("{}/{entitlements}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the entitlements file exists");
    assert!(text.contains("com.apple.security.device.camera"));
}

#[test]
fn the_deb_names_the_libraries_the_cli_does_not_add() {
    let depends = config()["bundle"]["linux"]["deb"]["depends"].clone();
    let depends: Vec<&str> = depends
        .as_array()
        .expect("bundle.linux.deb.depends")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    // The keyring reaches the Secret Service through libdbus (ldd shows libdbus-1.so.3);
    // the Tauri CLI adds libwebkit2gtk-4.1-0 and libgtk-3-0 itself.
    assert!(depends.contains(&"libdbus-1-3"), "{depends:?}");
}

#[test]
fn every_icon_the_bundles_name_exists() {
    let c = config();
    for icon in c["bundle"]["icon"].as_array().expect("bundle.icon") {
        let rel = icon.as_str().expect("icon path");
        let path = format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"));
        assert!(std::path::Path::new(&path).is_file(), "{path} missing");
    }
}
