//! The Kubernetes manifests agree with the binary: the ports folio listens on are
//! the container's, the probes answer, every variable set is one folio reads, and
//! everything folio writes lands on the mounted volume (the root is read-only).
//! The real binary runs with the manifests' own settings, paths moved to a
//! temporary folder.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use common::Running;

fn k8s(rel: &str) -> Value {
    let path = common::repo().join("k8s").join(rel);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("expected a scalar, got {other:?}"),
    }
}

/// name -> literal value of a container's `env` (secret references excluded).
fn env_of(container: &Value) -> BTreeMap<String, String> {
    container["env"]
        .as_sequence()
        .into_iter()
        .flatten()
        .map(|e| {
            let value = e.get("value").map(text).unwrap_or_default();
            (text(&e["name"]), value)
        })
        .collect()
}

/// mountPath -> the kind of volume mounted there (`persistentVolumeClaim`...).
fn mounts_of(pod: &Value, container: &Value) -> BTreeMap<String, String> {
    let volumes: BTreeMap<String, String> = pod["volumes"]
        .as_sequence()
        .expect("volumes")
        .iter()
        .map(|v| {
            let kind = v
                .as_mapping()
                .expect("a volume")
                .keys()
                .map(text)
                .find(|k| k != "name")
                .expect("a volume kind");
            (text(&v["name"]), kind)
        })
        .collect();
    container["volumeMounts"]
        .as_sequence()
        .expect("mounts")
        .iter()
        .map(|m| (text(&m["mountPath"]), volumes[&text(&m["name"])].clone()))
        .collect()
}

fn port_of(address: &str) -> u16 {
    address
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {address}"))
}

/// The mount a path lies under.
fn mount_for<'a>(
    path: &str,
    mounts: &'a BTreeMap<String, String>,
) -> Option<(&'a String, &'a String)> {
    mounts
        .iter()
        .filter(|(mount, _)| path.starts_with(&format!("{mount}/")))
        .max_by_key(|(mount, _)| mount.len())
}

/// Moves a container path under `root`.
fn local(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

#[test]
fn the_deployment_matches_what_the_binary_does() {
    let deployment = k8s("base/deployment.yaml");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = &pod["containers"][0];
    let mut env = env_of(container);
    // What the overlays add must be folio's too.
    for overlay in [
        "overlays/production/deployment.yaml",
        "overlays/dev/deployment.yaml",
    ] {
        let patch = k8s(overlay);
        env.extend(env_of(&patch["spec"]["template"]["spec"]["containers"][0]));
    }
    let ports: BTreeMap<String, u16> = container["ports"]
        .as_sequence()
        .expect("ports")
        .iter()
        .map(|p| {
            (
                text(&p["name"]),
                text(&p["containerPort"]).parse().expect("a port"),
            )
        })
        .collect();
    let mounts = mounts_of(pod, container);

    // The addresses folio listens on are the container's ports.
    assert_eq!(port_of(&env["FOLIO_LISTEN"]), ports["http"]);
    assert_eq!(port_of(&env["FOLIO_METRICS_LISTEN"]), ports["metrics"]);
    assert_eq!(port_of(&env["FOLIO_ADMIN_LISTEN"]), ports["admin"]);
    // The probes ask the public port, on paths checked against the server below.
    let mut probes = Vec::new();
    for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
        let get = &container[probe]["httpGet"];
        assert_eq!(text(&get["port"]), "http", "{probe}");
        probes.push(text(&get["path"]));
    }

    // The root is read-only: what folio writes lies on the volume.
    assert_eq!(
        container["securityContext"]["readOnlyRootFilesystem"],
        Value::Bool(true)
    );
    for var in ["FOLIO_DB", "FOLIO_OUT", "FOLIO_CONTENT"] {
        let (_, kind) =
            mount_for(&env[var], &mounts).unwrap_or_else(|| panic!("{var} is not on a volume"));
        assert_eq!(
            kind, "persistentVolumeClaim",
            "{var} must be on the persistent volume"
        );
    }
    let tmp = mounts
        .get("/tmp")
        .expect("a writable /tmp (previews render there)");
    assert_eq!(tmp, "emptyDir");
    assert_eq!(
        mount_for(&env["FOLIO_CONFIG"], &mounts).expect("config").1,
        "configMap"
    );
    assert_eq!(
        mount_for(&env["FOLIO_SECRET_KEY_FILE"], &mounts)
            .expect("secret")
            .1,
        "secret"
    );
    let generated = k8s("base/kustomization.yaml");
    let config_name = Path::new(&env["FOLIO_CONFIG"])
        .file_name()
        .expect("a file name");
    assert!(
        generated["configMapGenerator"][0]["files"]
            .as_sequence()
            .expect("files")
            .iter()
            .any(|f| Path::new(&text(f)).file_name() == Some(config_name)),
        "the ConfigMap has no {config_name:?}"
    );

    // The binary, run with these settings (paths under a temporary root).
    let root = tempfile::tempdir().expect("a temporary folder");
    for mount in mounts.keys() {
        std::fs::create_dir_all(local(root.path(), mount)).expect("mkdir");
    }
    std::fs::copy(
        common::repo().join("k8s/base/folio.toml"),
        local(root.path(), &env["FOLIO_CONFIG"]),
    )
    .expect("the config file");
    std::fs::write(
        local(root.path(), &env["FOLIO_SECRET_KEY_FILE"]),
        "a key for the manifest test, long enough",
    )
    .expect("the secret");
    let mut vars: Vec<(String, String)> = env
        .iter()
        .map(|(name, value)| {
            let value = if value.starts_with('/') {
                local(root.path(), value).to_string_lossy().into_owned()
            } else if name.ends_with("LISTEN") {
                "127.0.0.1:0".to_owned()
            } else {
                value.clone()
            };
            (name.clone(), value)
        })
        .collect();
    vars.push(("FOLIO_LOG_FORMAT".into(), "text".into()));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let args: Vec<String> = container["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .map(text)
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut running = Running::start_with(root.path(), &args, &vars);
    let log = running.log_until("site published");
    // Every variable the manifests set is one folio reads.
    for name in env.keys() {
        assert!(
            !log.contains(&format!("ignoring environment variable {name}:")),
            "{log}"
        );
    }
    let base = log
        .lines()
        .find_map(|l| l.split("listening on ").nth(1))
        .expect("the address is logged")
        .trim()
        .to_owned();
    assert!(
        log.contains("/metrics"),
        "the metrics listener started: {log}"
    );
    let admin = log
        .lines()
        .find_map(|l| l.split("admin on ").nth(1))
        .expect("the admin listener is logged")
        .trim()
        .trim_end_matches("/admin/")
        .to_owned();
    let child = running.drain_log();
    assert_eq!(http::status_of(&format!("{admin}/admin/")), 200);
    assert_eq!(
        http::status_of(&format!("{base}/admin/")),
        404,
        "the site's port has no admin"
    );
    for path in &probes {
        let status = http::status_of(&format!("{base}{path}"));
        assert_eq!(status, 200, "probe {path}");
    }
    assert!(
        local(root.path(), &env["FOLIO_DB"]).is_file(),
        "the database is on the volume"
    );
    assert!(
        local(root.path(), &env["FOLIO_OUT"])
            .join("index.html")
            .is_file(),
        "the site is on the volume"
    );
    Running::terminate(child);

    // The backup job's command works against the same volume.
    let cronjob = k8s("base/backup-cronjob.yaml");
    let job = &cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let job_container = &job["containers"][0];
    let job_mounts = mounts_of(job, job_container);
    let job_env = env_of(job_container);
    let args: Vec<String> = job_container["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .map(|a| {
            let a = text(a);
            if a.starts_with('/') {
                let mut moved = local(root.path(), &a).to_string_lossy().into_owned();
                if a.ends_with('/') {
                    moved.push('/');
                }
                moved
            } else {
                a
            }
        })
        .collect();
    assert_eq!(job_env["FOLIO_DB"], env["FOLIO_DB"]);
    assert_eq!(
        mount_for(&job_env["FOLIO_DB"], &job_mounts).expect("db").1,
        "persistentVolumeClaim"
    );
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(&args)
        .env("FOLIO_DB", local(root.path(), &job_env["FOLIO_DB"]))
        .current_dir(root.path())
        .output()
        .expect("folio runs");
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("integrity ok"));
}

/// The host of an absolute URL.
fn host_of(url: &str) -> String {
    url.split("://")
        .nth(1)
        .and_then(|rest| rest.split(['/', ':']).next())
        .expect("an absolute URL")
        .to_owned()
}

#[test]
fn the_ingress_gives_the_admin_its_own_host_and_port() {
    let config: toml::Value = toml::from_str(
        &std::fs::read_to_string(common::repo().join("k8s/base/folio.toml")).expect("read"),
    )
    .expect("TOML");
    let site_host = host_of(config["base_url"].as_str().expect("base_url"));
    let admin_host = host_of(config["admin_url"].as_str().expect("admin_url"));
    assert_ne!(site_host, admin_host, "the admin needs its own origin");

    let service = k8s("base/service.yaml");
    let target_of = |port: &str| {
        service["spec"]["ports"]
            .as_sequence()
            .expect("ports")
            .iter()
            .find(|p| text(&p["name"]) == port)
            .map(|p| text(&p["targetPort"]))
            .unwrap_or_else(|| panic!("the Service has no port {port}"))
    };
    let ingress = k8s("base/ingress.yaml");
    let rules = ingress["spec"]["rules"].as_sequence().expect("rules");
    let backend_of = |host: &str| -> Vec<String> {
        let rule = rules
            .iter()
            .find(|r| text(&r["host"]) == host)
            .unwrap_or_else(|| panic!("no Ingress rule for {host}"));
        rule["http"]["paths"]
            .as_sequence()
            .expect("paths")
            .iter()
            .map(|p| target_of(&text(&p["backend"]["service"]["port"]["name"])))
            .collect()
    };
    assert_eq!(backend_of(&site_host), ["http"]);
    assert_eq!(backend_of(&admin_host), ["admin"]);
    let tls: Vec<String> = ingress["spec"]["tls"][0]["hosts"]
        .as_sequence()
        .expect("TLS hosts")
        .iter()
        .map(text)
        .collect();
    assert!(
        tls.contains(&site_host) && tls.contains(&admin_host),
        "{tls:?}"
    );

    // Production sets its own names: the same two, each in its place.
    let production: toml::Value = toml::from_str(
        &std::fs::read_to_string(common::repo().join("k8s/overlays/production/folio.toml"))
            .expect("read"),
    )
    .expect("TOML");
    let overlay =
        std::fs::read_to_string(common::repo().join("k8s/overlays/production/kustomization.yaml"))
            .expect("read");
    for key in ["base_url", "admin_url"] {
        let host = host_of(production[key].as_str().expect(key));
        assert!(
            overlay.matches(&format!("value: {host}\n")).count() == 2,
            "the production overlay sets {host} ({key}) as rule and TLS host"
        );
    }
}

/// A GET's status, without an async runtime.
mod http {
    pub(crate) fn status_of(url: &str) -> u16 {
        use std::io::{Read, Write};
        let rest = url.trim_start_matches("http://");
        let (addr, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let mut tcp = std::net::TcpStream::connect(addr).expect("connect");
        write!(tcp, "GET {path} HTTP/1.0\r\nHost: folio\r\n\r\n").expect("send");
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).expect("read");
        answer
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// `kubectl apply -k` of an overlay puts every resource in folio's namespace: the
/// overlay's own (the Linkerd policy) and its components' (the ServiceMonitor) too,
/// which the base's `namespace:` does not reach.
#[test]
fn every_overlay_puts_everything_in_the_folio_namespace() {
    let overlays = common::repo().join("k8s/overlays");
    let mut seen = 0;
    for entry in std::fs::read_dir(&overlays).expect("overlays") {
        let name = entry.expect("an overlay").file_name();
        let name = name.to_str().expect("a name");
        let kustomization = k8s(&format!("overlays/{name}/kustomization.yaml"));
        assert_eq!(
            kustomization.get("namespace").map(text).as_deref(),
            Some("folio"),
            "overlays/{name}"
        );
        seen += 1;
    }
    assert!(seen >= 2);
}

/// ArgoCD never deletes the data: the volume is neither pruned nor deleted with the
/// Application, and pruning the namespace waits for a person to confirm it.
#[test]
fn argocd_cannot_delete_the_data() {
    let options = |rel: &str| {
        let resource = k8s(rel);
        let value = resource["metadata"]["annotations"]
            .get("argocd.argoproj.io/sync-options")
            .map(text)
            .unwrap_or_default();
        value.split(',').map(str::to_owned).collect::<Vec<_>>()
    };
    let volume = options("base/pvc.yaml");
    assert!(volume.contains(&"Prune=false".to_owned()), "{volume:?}");
    assert!(volume.contains(&"Delete=false".to_owned()), "{volume:?}");
    assert_eq!(options("base/namespace.yaml"), ["Prune=confirm"]);
}

/// Under Linkerd the pod can reach its control plane (else it is never ready), the
/// proxy's inbound port admits only the Ingress's and Prometheus's traffic (not every
/// meshed pod), and the backup Job stays out of the mesh (a meshed Job never ends).
#[test]
fn the_production_overlay_works_under_linkerd() {
    let policy = k8s("overlays/production/networkpolicy-linkerd.yaml");
    let ports = |rule: &Value| -> Vec<String> {
        rule["ports"]
            .as_sequence()
            .into_iter()
            .flatten()
            .map(|p| text(&p["port"]))
            .collect()
    };
    let namespace_of = |peer: &Value| {
        peer["namespaceSelector"]["matchLabels"]
            .get("kubernetes.io/metadata.name")
            .map(text)
            .unwrap_or_default()
    };
    let egress = policy["spec"]["egress"]
        .as_sequence()
        .expect("egress rules");
    let control_plane = egress
        .iter()
        .find(|rule| {
            rule["to"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|peer| namespace_of(peer) == "linkerd")
        })
        .expect("egress to the linkerd namespace");
    let mut wanted = ports(control_plane);
    wanted.sort();
    assert_eq!(wanted, ["8080", "8086", "8090"]);
    for rule in policy["spec"]["ingress"]
        .as_sequence()
        .expect("ingress rules")
    {
        if ports(rule).contains(&"4143".to_owned()) {
            let from = rule["from"]
                .as_sequence()
                .expect("4143 only from some peers");
            let mut sources: Vec<String> = from.iter().map(namespace_of).collect();
            sources.sort();
            assert_eq!(sources, ["kube-system", "monitoring"]);
        }
    }
    let backup = k8s("base/backup-cronjob.yaml");
    let pod = &backup["spec"]["jobTemplate"]["spec"]["template"]["metadata"];
    assert_eq!(
        pod["annotations"]
            .get("linkerd.io/inject")
            .map(text)
            .as_deref(),
        Some("disabled")
    );
}

/// What the restricted Pod Security level refuses in `pod` (a pod template's spec),
/// for the fields folio's manifests use.
fn restricted_breaches(name: &str, pod: &Value) -> Vec<String> {
    let mut breaches = Vec::new();
    let context = &pod["securityContext"];
    if context["seccompProfile"]["type"] != "RuntimeDefault" {
        breaches.push(format!("{name}: no RuntimeDefault seccomp profile"));
    }
    for container in pod["containers"].as_sequence().expect("containers") {
        let own = &container["securityContext"];
        let non_root = own.get("runAsNonRoot").or(context.get("runAsNonRoot"));
        if non_root != Some(&Value::Bool(true)) {
            breaches.push(format!("{name}: may run as root"));
        }
        if own["allowPrivilegeEscalation"] != Value::Bool(false) {
            breaches.push(format!("{name}: allows privilege escalation"));
        }
        let drops = own["capabilities"]["drop"]
            .as_sequence()
            .cloned()
            .unwrap_or_default();
        if !drops.contains(&Value::from("ALL")) {
            breaches.push(format!("{name}: keeps capabilities"));
        }
    }
    for volume in pod["volumes"].as_sequence().into_iter().flatten() {
        if volume.get("hostPath").is_some() {
            breaches.push(format!("{name}: mounts a host path"));
        }
    }
    breaches
}

/// `container` with the production overlay's strategic-merge patch of it applied, for
/// the fields the patch sets (args, env, envFrom, mounts), and `pod` with its volumes.
fn patched(pod: &Value, patch_pod: &Value) -> Value {
    let mut pod = pod.clone();
    let patch = &patch_pod["containers"][0];
    let container = &mut pod["containers"][0];
    container["args"] = patch["args"].clone();
    for list in ["env", "envFrom", "volumeMounts"] {
        let mut items = container[list].as_sequence().cloned().unwrap_or_default();
        items.extend(patch[list].as_sequence().cloned().unwrap_or_default());
        container[list] = Value::Sequence(items);
    }
    let mut volumes = pod["volumes"].as_sequence().cloned().unwrap_or_default();
    volumes.extend(
        patch_pod["volumes"]
            .as_sequence()
            .cloned()
            .unwrap_or_default(),
    );
    pod["volumes"] = Value::Sequence(volumes);
    pod
}

/// Runs the job `pod`'s container as the manifests have it: paths moved under `root`,
/// `$(VAR)` in its arguments expanded as the kubelet does, the ConfigMap's variables
/// from `config`, and the Secret's files written where it is mounted.
fn run_job(root: &Path, pod: &Value, config: &BTreeMap<String, String>) -> std::process::Output {
    let container = &pod["containers"][0];
    let mut env = config.clone();
    env.extend(env_of(container));
    for (name, value) in env.iter_mut() {
        if value.starts_with('/') {
            if name.ends_with("_FILE") {
                // The Secret's key, mounted read-only.
                let file = local(root, value);
                std::fs::create_dir_all(file.parent().expect("a folder")).expect("mkdir");
                std::fs::write(
                    &file,
                    format!(
                        "{}\n",
                        if name.contains("SECRET") {
                            "backup-secret"
                        } else {
                            "backup"
                        }
                    ),
                )
                .expect("a key");
            }
            *value = local(root, value).to_string_lossy().into_owned();
        }
    }
    let args: Vec<String> = container["args"]
        .as_sequence()
        .expect("args")
        .iter()
        .map(|a| {
            let mut a = text(a);
            for (name, value) in &env {
                a = a.replace(&format!("$({name})"), value);
            }
            a
        })
        .collect();
    std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(&args)
        .env_clear()
        .envs(&env)
        .current_dir(root)
        .output()
        .expect("folio runs")
}

/// In production the nightly job backs the database and the content folder up into
/// the bucket, and a Job made from the restore CronJob brings them back onto an empty
/// volume: both run here with the manifests' own arguments, variables and mounts,
/// against a real S3-protocol server. Every pod passes the restricted Pod Security
/// level, and the restore stays out of the mesh and off the server's node affinity
/// (the server is stopped while it runs).
#[tokio::test(flavor = "multi_thread")]
async fn production_backs_up_off_site_and_the_restore_job_brings_it_back() {
    let moto = common::moto::Moto::start();
    moto.create_bucket("folio-backups").await;
    let base = k8s("base/backup-cronjob.yaml");
    let pod_of = |job: &Value| job["spec"]["jobTemplate"]["spec"]["template"]["spec"].clone();
    let backup = patched(
        &pod_of(&base),
        &pod_of(&k8s("overlays/production/backup-cronjob.yaml")),
    );
    let restore_job = k8s("overlays/production/restore-cronjob.yaml");
    let restore = pod_of(&restore_job);
    assert_eq!(
        restore_job["spec"]["suspend"],
        Value::Bool(true),
        "never scheduled"
    );
    assert!(
        restore.get("affinity").is_none(),
        "the server is stopped: no affinity to it"
    );
    assert_eq!(
        restore_job["spec"]["jobTemplate"]["spec"]["template"]["metadata"]["annotations"]
            ["linkerd.io/inject"],
        Value::from("disabled")
    );
    let deployment = k8s("base/deployment.yaml");
    let mut breaches = restricted_breaches("backup", &backup);
    breaches.extend(restricted_breaches("restore", &restore));
    breaches.extend(restricted_breaches(
        "server",
        &deployment["spec"]["template"]["spec"],
    ));
    assert_eq!(breaches, Vec::<String>::new());

    // The ConfigMap's settings, pointed at the test's bucket.
    let kustomization = k8s("overlays/production/kustomization.yaml");
    let generator = kustomization["configMapGenerator"]
        .as_sequence()
        .expect("generators")
        .iter()
        .find(|g| g["name"] == "folio-backup")
        .expect("the folio-backup ConfigMap");
    let mut config: BTreeMap<String, String> = generator["literals"]
        .as_sequence()
        .expect("literals")
        .iter()
        .map(|l| {
            let (k, v) = text(l)
                .split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .expect("K=V");
            (k, v)
        })
        .collect();
    assert!(config["FOLIO_BACKUP_TO"].starts_with("s3://"));
    config.insert("FOLIO_BACKUP_TO".into(), "s3://folio-backups/blog".into());
    config.insert("AWS_ENDPOINT_URL".into(), moto.endpoint.clone());
    config.insert("AWS_REGION".into(), "us-east-1".into());
    for (pod, what) in [(&backup, "backup"), (&restore, "restore")] {
        let env = env_of(&pod["containers"][0]);
        assert!(
            !env.contains_key("AWS_SECRET_ACCESS_KEY"),
            "{what}: the key is a file, not a variable"
        );
        assert!(env.contains_key("AWS_SECRET_ACCESS_KEY_FILE"), "{what}");
    }

    // A volume with a site on it: the database, and an upload in the content folder.
    let root = tempfile::tempdir().expect("a temporary folder");
    let volume = local(root.path(), "/data");
    common::copy_dir(&common::repo().join("content"), &volume.join("content"));
    std::fs::create_dir_all(volume.join("content/images/2026")).expect("mkdir");
    std::fs::write(
        volume.join("content/images/2026/upload.bin"),
        b"an upload's bytes",
    )
    .expect("write");
    std::fs::create_dir_all(local(root.path(), "/config")).expect("mkdir");
    std::fs::copy(
        common::repo().join("k8s/base/folio.toml"),
        local(root.path(), "/config/folio.toml"),
    )
    .expect("config");
    let publish = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["publish"])
        .env("FOLIO_DB", volume.join("folio.db"))
        .env("FOLIO_CONTENT", volume.join("content"))
        .env("FOLIO_OUT", volume.join("public"))
        .env("FOLIO_LOG", "warn")
        .current_dir(root.path())
        .output()
        .expect("folio runs");
    assert!(publish.status.success(), "{publish:?}");
    let before = common::read_tree(&volume.join("content"));

    let out = run_job(root.path(), &backup, &config);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("files of the content folder"),
        "{out:?}"
    );

    // The node is gone: a new, empty volume.
    std::fs::remove_dir_all(&volume).expect("the volume is lost");
    std::fs::create_dir_all(&volume).expect("a new volume");
    let out = run_job(root.path(), &restore, &config);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(common::read_tree(&volume.join("content")), before);
    let checked = folio::store::backup::check(&volume.join("folio.db"))
        .await
        .expect("a database");
    assert!(checked.posts > 0);
}

/// The fields of Falco's syscall source the rules may use (Falco's "Supported Fields"
/// reference): a misspelt field would stop Falco from loading the file.
const FALCO_FIELDS: &[&str] = &[
    "container.id",
    "container.name",
    "container.image.repository",
    "k8s.ns.name",
    "k8s.pod.name",
    "k8s.pod.label",
    "evt.type",
    "evt.dir",
    "evt.is_open_write",
    "fd.typechar",
    "fd.name",
    "fd.rport",
    "fd.snet",
    "fd.sip.name",
    "proc.exepath",
    "proc.cmdline",
    "proc.pname",
    "user.uid",
];

/// The Falco rules follow Falco's rules file format (each item a rule, macro or list
/// with its required keys and no unknown one, a known priority, balanced conditions,
/// known fields, every macro and list defined) and agree with the manifests: the
/// namespace, the pod label, the container names, the writable mounts and the one
/// program of the image.
#[test]
fn the_falco_rules_follow_falcos_format_and_the_manifests() {
    let items = k8s("falco/folio_rules.yaml");
    let items = items.as_sequence().expect("a list of items");
    let keys = |item: &Value| -> Vec<String> {
        item.as_mapping()
            .expect("a mapping")
            .keys()
            .map(text)
            .collect()
    };
    let mut names: Vec<String> = Vec::new();
    let mut conditions = Vec::new();
    let mut outputs = Vec::new();
    for item in items {
        let found = keys(item);
        let (kind, required, allowed): (&str, &[&str], &[&str]) = if found.contains(&"rule".into())
        {
            (
                "rule",
                &["rule", "desc", "condition", "output", "priority"],
                &[
                    "tags",
                    "enabled",
                    "exceptions",
                    "warn_evttypes",
                    "skip-if-unknown-filter",
                    "source",
                ],
            )
        } else if found.contains(&"macro".into()) {
            ("macro", &["macro", "condition"], &[])
        } else if found.contains(&"list".into()) {
            ("list", &["list", "items"], &[])
        } else {
            panic!("neither a rule, a macro nor a list: {found:?}")
        };
        for key in required {
            assert!(
                found.contains(&(*key).to_owned()),
                "a {kind} without {key}: {found:?}"
            );
        }
        for key in &found {
            assert!(
                required.contains(&key.as_str()) || allowed.contains(&key.as_str()),
                "a {kind} with the unknown key {key}"
            );
        }
        match kind {
            "rule" => {
                let priority = text(&item["priority"]).to_lowercase();
                let known = [
                    "emergency",
                    "alert",
                    "critical",
                    "error",
                    "warning",
                    "notice",
                    "informational",
                    "debug",
                ];
                assert!(known.contains(&priority.as_str()), "priority {priority}");
                conditions.push(text(&item["condition"]));
                outputs.push(text(&item["output"]));
            }
            "macro" => {
                names.push(text(&item["macro"]));
                conditions.push(text(&item["condition"]));
            }
            _ => {
                names.push(text(&item["list"]));
                assert!(item["items"].as_sequence().is_some_and(|i| !i.is_empty()));
            }
        }
    }
    let quoted = regex::Regex::new(r#""[^"]*""#).expect("a regex");
    let word = regex::Regex::new(r"[A-Za-z_][A-Za-z0-9_.\-]*(\[[^\]]+\])?").expect("a regex");
    let operators = [
        "and",
        "or",
        "not",
        "in",
        "startswith",
        "endswith",
        "contains",
        "exists",
        "host",
        "f",
        "intersects",
        "pmatch",
    ];
    for condition in &conditions {
        let depth = condition.chars().try_fold(0i32, |d, c| match c {
            '(' => Some(d + 1),
            ')' => (d > 0).then_some(d - 1),
            _ => Some(d),
        });
        assert_eq!(depth, Some(0), "unbalanced: {condition}");
        // Words outside quotes and outside `in (...)` value lists of paths.
        let unquoted = quoted.replace_all(condition, "");
        for found in word.find_iter(&unquoted) {
            let token = found.as_str();
            let start = found.start();
            let after_slash = start > 0 && unquoted.as_bytes()[start - 1] == b'/';
            if after_slash || operators.contains(&token) {
                continue;
            }
            let field = token.split('[').next().expect("a name");
            let known = FALCO_FIELDS.contains(&field) || names.iter().any(|n| n == token);
            // The values compared to: event types and container names.
            let value = [
                "execve", "execveat", "open", "openat", "openat2", "connect", "true", "folio",
                "backup", "restore",
            ]
            .contains(&token);
            assert!(
                known || value,
                "{token:?} is neither a Falco field nor a macro or list: {condition}"
            );
        }
    }
    let placeholder = regex::Regex::new(r"%([a-z0-9_.]+)").expect("a regex");
    for output in &outputs {
        for found in placeholder.captures_iter(output) {
            assert!(
                FALCO_FIELDS.contains(&&found[1]),
                "%{} in {output}",
                &found[1]
            );
        }
    }

    // They watch what the manifests run.
    let all =
        std::fs::read_to_string(common::repo().join("k8s/falco/folio_rules.yaml")).expect("rules");
    let deployment = k8s("base/deployment.yaml");
    assert!(all.contains(&format!(
        "k8s.ns.name = \"{}\"",
        text(&k8s("base/namespace.yaml")["metadata"]["name"])
    )));
    let label =
        text(&deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]);
    assert!(all.contains(&format!(
        "k8s.pod.label[app.kubernetes.io/name] = \"{label}\""
    )));
    let list = items
        .iter()
        .find(|i| i["list"] == "folio_container_names")
        .expect("the container names");
    let mut containers: Vec<String> = list["items"]
        .as_sequence()
        .expect("items")
        .iter()
        .map(text)
        .collect();
    containers.sort();
    let mut manifests = vec![
        text(&deployment["spec"]["template"]["spec"]["containers"][0]["name"]),
        text(
            &k8s("base/backup-cronjob.yaml")["spec"]["jobTemplate"]["spec"]["template"]["spec"]
                ["containers"][0]["name"],
        ),
        text(
            &k8s("overlays/production/restore-cronjob.yaml")["spec"]["jobTemplate"]["spec"]
                ["template"]["spec"]["containers"][0]["name"],
        ),
    ];
    manifests.sort();
    assert_eq!(containers, manifests);
    let pod = &deployment["spec"]["template"]["spec"];
    for (mount, kind) in mounts_of(pod, &pod["containers"][0]) {
        if kind == "persistentVolumeClaim" || kind == "emptyDir" {
            assert!(
                all.contains(&format!("fd.name startswith {mount}/")),
                "{mount} is writable"
            );
        }
    }
    let dockerfile =
        std::fs::read_to_string(common::repo().join("Dockerfile")).expect("Dockerfile");
    assert!(
        dockerfile.contains("ENTRYPOINT [\"/folio\"]") && all.contains("proc.exepath = /folio")
    );
}

/// The forge's workflow runs the README's test command, builds the images with
/// `.ci/image` (both architectures) and pushes the manifest that script makes, with
/// the right to write packages and nothing more.
#[test]
fn the_forge_workflow_tests_then_pushes_what_ci_image_builds() {
    let repo = common::repo();
    let source =
        std::fs::read_to_string(repo.join(".github/workflows/image.yml")).expect("the workflow");
    let workflow: Value = serde_yaml_ng::from_str(&source).expect("YAML");
    let steps: Vec<String> = workflow["jobs"]["image"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .filter_map(|s| s.get("run").map(text))
        .collect();
    let at = |needle: &str| {
        steps
            .iter()
            .position(|s| s.contains(needle))
            .unwrap_or_else(|| panic!("no step runs {needle}"))
    };
    let script = std::fs::read_to_string(repo.join(".ci/image")).expect(".ci/image");
    let tag = script
        .lines()
        .find_map(|l| l.strip_prefix("tag="))
        .expect("the tag .ci/image builds");
    assert!(at("rustup target add aarch64-unknown-linux-gnu") < at("bash .ci/run"));
    assert!(at("bash .ci/run") < at("bash .ci/image"));
    let push = at("manifest push --all");
    assert!(at("bash .ci/image") < push);
    assert!(steps[push].contains(&format!(" {tag} ")), "{}", steps[push]);
    let readme = std::fs::read_to_string(repo.join("README.md")).expect("README");
    assert!(readme.contains("bash .ci/run"), "the README's test command");
    let permissions = &workflow["permissions"];
    assert_eq!(permissions["packages"], "write");
    assert_eq!(permissions["contents"], "read");
    assert_eq!(permissions.as_mapping().map(|m| m.len()), Some(2));
}
