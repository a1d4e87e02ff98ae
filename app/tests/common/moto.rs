//! moto's server on a loopback port: a real S3 (and CloudFront) protocol server for
//! the bucket and deploy tests (`.ci/run` installs it from PyPI).

use std::process::Child;

/// A moto S3 server on a free loopback port.
pub(crate) struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    /// Tries another port when moto exits at start: tests start servers side by
    /// side, and a free port found may be taken before moto binds it.
    pub(crate) fn start() -> Self {
        let binary = std::env::var("MOTO_SERVER_BIN")
            .unwrap_or_else(|_| "/tmp/folio-moto-venv/bin/moto_server".to_owned());
        for _ in 0..5 {
            if let Some(moto) = Self::start_on(&binary, free_port()) {
                return moto;
            }
        }
        panic!("moto did not start");
    }

    /// moto on `port` once it answers HTTP, or None if it exited first.
    fn start_on(binary: &str, port: u16) -> Option<Self> {
        let mut child = std::process::Command::new(binary)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {binary} ({e}): .ci/run installs moto[server]; set MOTO_SERVER_BIN")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        for _ in 0..400 {
            if child.try_wait().ok().flatten().is_some() {
                return None;
            }
            if answers_http(port) {
                // Another test's server may have answered: moto still running says
                // sleep: a moment for a server that bound the port first to be seen
                std::thread::sleep(std::time::Duration::from_millis(100));
                if child.try_wait().ok().flatten().is_none() {
                    return Some(Self { child, endpoint });
                }
                return None;
            }
            // sleep: polling for moto to answer, with a deadline
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        None
    }

    pub(crate) async fn create_bucket(&self, name: &str) {
        let response = reqwest::Client::new()
            .put(format!("{}/{name}", self.endpoint))
            .send()
            .await
            .expect("moto answers");
        assert!(response.status().is_success(), "{response:?}");
    }

    /// (status, content type, cache control, body) of an object, read with signed
    /// requests (objects are private, as in a real bucket behind a CDN).
    pub(crate) async fn get(&self, bucket: &str, key: &str) -> (u16, String, String, Vec<u8>) {
        use object_store::ObjectStore;
        match self
            .client(bucket)
            .get(&object_store::path::Path::from(key))
            .await
        {
            Ok(found) => {
                let attribute = |a: object_store::Attribute| {
                    found
                        .attributes
                        .get(&a)
                        .map(|v| v.to_string())
                        .unwrap_or_default()
                };
                let content_type = attribute(object_store::Attribute::ContentType);
                let cache_control = attribute(object_store::Attribute::CacheControl);
                let body = found.bytes().await.expect("a body").to_vec();
                (200, content_type, cache_control, body)
            }
            Err(object_store::Error::NotFound { .. }) => {
                (404, String::new(), String::new(), Vec::new())
            }
            Err(e) => panic!("reading {bucket}/{key}: {e}"),
        }
    }
}

impl Moto {
    /// A client of `bucket` with credentials of its own.
    fn client(&self, bucket: &str) -> object_store::aws::AmazonS3 {
        object_store::aws::AmazonS3Builder::new()
            .with_endpoint(&self.endpoint)
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id("reader")
            .with_secret_access_key("reader")
            .build()
            .expect("a client")
    }

    /// Writes `bytes` as the object `key`, as anyone with the bucket's credentials can.
    pub(crate) async fn put(&self, bucket: &str, key: &str, bytes: Vec<u8>) {
        use object_store::ObjectStore;
        self.client(bucket)
            .put(&object_store::path::Path::from(key), bytes.into())
            .await
            .unwrap_or_else(|e| panic!("writing {bucket}/{key}: {e}"));
    }

    /// The keys of the objects under `prefix`.
    pub(crate) async fn keys(&self, bucket: &str, prefix: &str) -> Vec<String> {
        use futures_util::TryStreamExt;
        use object_store::ObjectStore;
        let listed: Vec<object_store::ObjectMeta> = self
            .client(bucket)
            .list(Some(&object_store::path::Path::from(prefix)))
            .try_collect()
            .await
            .expect("a listing");
        listed.iter().map(|m| m.location.to_string()).collect()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether something on `port` answers an HTTP request.
fn answers_http(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
    let mut answer = [0u8; 8];
    stream.write_all(b"GET / HTTP/1.0\r\n\r\n").is_ok()
        && stream.read_exact(&mut answer).is_ok()
        && answer.starts_with(b"HTTP/1.")
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

impl Moto {
    /// Runs Python with boto3 (moto's own) against this server, with `c` a client of
    /// CloudFront; returns its output.
    pub(crate) fn boto3(&self, script: &str) -> String {
        self.python("cloudfront", script)
    }

    /// The `x-amz-website-redirect-location` of an object, if any.
    pub(crate) fn redirect_location(&self, bucket: &str, key: &str) -> Option<String> {
        let out = self.python(
            "s3",
            &format!("print(c.head_object(Bucket='{bucket}', Key='{key}').get('WebsiteRedirectLocation', ''))"),
        );
        Some(out.trim().to_owned()).filter(|l| !l.is_empty())
    }

    fn python(&self, service: &str, script: &str) -> String {
        let binary = std::env::var("MOTO_SERVER_BIN")
            .unwrap_or_else(|_| "/tmp/folio-moto-venv/bin/moto_server".to_owned());
        let python = std::path::Path::new(&binary).with_file_name("python");
        let output = std::process::Command::new(&python)
            .arg("-c")
            .arg(format!(
                "import boto3, json\nc = boto3.client('{service}', endpoint_url='{}', \
                 region_name='us-east-1', aws_access_key_id='test-key', \
                 aws_secret_access_key='test-secret')\n{script}",
                self.endpoint
            ))
            .output()
            .expect("moto's python runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("text")
    }

    /// A CloudFront distribution in front of the bucket; returns its id.
    pub(crate) fn create_distribution(&self, bucket: &str) -> String {
        let id = self.boto3(&format!(
            "d = c.create_distribution(DistributionConfig={{'CallerReference': 'folio', \
             'Origins': {{'Quantity': 1, 'Items': [{{'Id': 'site', \
             'DomainName': '{bucket}.s3.amazonaws.com', 'S3OriginConfig': {{'OriginAccessIdentity': ''}}}}]}}, \
             'DefaultCacheBehavior': {{'TargetOriginId': 'site', 'ViewerProtocolPolicy': 'allow-all', \
             'MinTTL': 0}}, 'Comment': '', 'Enabled': True}})\nprint(d['Distribution']['Id'])"
        ));
        id.trim().to_owned()
    }

    /// The paths of every invalidation of the distribution.
    pub(crate) fn invalidations(&self, distribution: &str) -> Vec<Vec<String>> {
        let json = self.boto3(&format!(
            "ids = [i['Id'] for i in c.list_invalidations(DistributionId='{distribution}')\
             ['InvalidationList'].get('Items', [])]\n\
             print(json.dumps([c.get_invalidation(DistributionId='{distribution}', Id=i)\
             ['Invalidation']['InvalidationBatch']['Paths'].get('Items', []) for i in ids]))"
        ));
        serde_json::from_str(json.trim()).expect("JSON")
    }
}
