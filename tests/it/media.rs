//! The content-addressed media store: media linked from captured items is fetched after
//! capture, kept once per content, and refused past the size limit.

use kanalvakt::{
    domain::audit::hex,
    domain::item::{Author, CapturedItem, Direction, IngestEvent, ItemKind, PlatformState},
    media::{FetchOptions, MediaFetcher},
    storage::MediaStatus,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::scenario;

const PHOTO: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 a small photo of the library \xff\xd9";
const LIMIT: u64 = 1024;

/// A media server: `/photo.jpg` is a small photo; `/video.mp4` streams 4 KiB without a
/// Content-Length (the limit must hold while reading, not only by the header).
async fn media_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let request = String::from_utf8_lossy(&head);
                if request.starts_with("GET /photo.jpg ") {
                    let h = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        PHOTO.len()
                    );
                    let _ = sock.write_all(h.as_bytes()).await;
                    let _ = sock.write_all(PHOTO).await;
                } else if request.starts_with("GET /video.mp4 ") {
                    let h = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nConnection: close\r\n\r\n";
                    let _ = sock.write_all(h.as_bytes()).await;
                    for _ in 0..8 {
                        if sock.write_all(&[0u8; 512]).await.is_err() {
                            return;
                        }
                    }
                } else {
                    let _ = sock
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                }
                let _ = sock.shutdown().await;
            });
        }
    });
    format!("http://{addr}")
}

fn post_with_media(media: Vec<String>) -> CapturedItem {
    CapturedItem {
        external_id: "media-post-1".into(),
        kind: ItemKind::Post,
        direction: Direction::Ours,
        parent_external_id: None,
        author: Author { platform_id: "1234567890".into(), name: "Sjöviks bibliotek".into(), profile_url: None },
        text: "Nu har vi öppnat den nya läshörnan!".into(),
        url: None,
        platform_time: None,
        state: PlatformState::Visible,
        media,
    }
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

// REQ REC-1: media attached to a captured item is queued with it (capture does not wait),
// fetched afterwards into the content-addressed store, and refused past the size limit with
// nothing kept; a redelivery queues nothing new.
scenario!(media_is_fetched_into_the_content_addressed_store, |app| {
    let base = media_server().await;
    let (photo, video) = (format!("{base}/photo.jpg"), format!("{base}/video.mp4"));
    let ch = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let events = vec![(ch, IngestEvent::Upsert(post_with_media(vec![photo.clone(), video.clone()])))];
    assert_eq!(app.svc.ingest("test", None, &events).await.unwrap().new_items, 1);
    let item = app.svc.store.items_of(ch, 100).await.unwrap().into_iter().find(|i| i.external_id == "media-post-1");
    let item_id = item.expect("the post is stored").id;
    let queued = app.svc.store.item_media(item_id).await.unwrap();
    assert_eq!(queued.len(), 2);
    assert!(queued.iter().all(|m| m.status == MediaStatus::Pending && m.sha256.is_none()), "{queued:?}");

    let dir = tempfile::tempdir().unwrap();
    let options = FetchOptions { max_bytes: LIMIT, allow_private: true };
    let fetcher = MediaFetcher::with_options(app.svc.clone(), dir.path().join("media"), options).unwrap();
    let done = fetcher.run_pending(10).await.unwrap();
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(fetcher.run_pending(10).await.unwrap().is_empty(), "nothing is fetched twice");

    let media = app.svc.store.item_media(item_id).await.unwrap();
    let stored = media.iter().find(|m| m.source_url == photo).unwrap();
    let sha = hex(&Sha256::digest(PHOTO));
    assert_eq!(stored.status, MediaStatus::Stored);
    assert_eq!(stored.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(stored.size, Some(PHOTO.len() as i64));
    assert_eq!(stored.content_type.as_deref(), Some("image/jpeg"));
    let path = fetcher.store().path_of(&sha).unwrap();
    assert_eq!(path, dir.path().join("media").join(&sha[0..2]).join(&sha[2..4]).join(&sha));
    assert_eq!(std::fs::read(&path).unwrap(), PHOTO);

    let large = media.iter().find(|m| m.source_url == video).unwrap();
    assert_eq!(large.status, MediaStatus::TooLarge);
    assert_eq!(large.sha256, None);
    assert!(large.error.as_deref().unwrap_or("").contains("1024"), "{large:?}");
    assert_eq!(files_under(&dir.path().join("media")), vec![path.clone()], "nothing of the video is kept");

    // The same delivery again: nothing new is queued, nothing is reset.
    let again = app.svc.ingest("test", None, &events).await.unwrap();
    assert_eq!(again.duplicates, 1);
    let after = app.svc.store.item_media(item_id).await.unwrap();
    assert_eq!(
        after.iter().map(|m| (m.source_url.clone(), m.status)).collect::<Vec<_>>(),
        media.iter().map(|m| (m.source_url.clone(), m.status)).collect::<Vec<_>>()
    );
    assert!(fetcher.run_pending(10).await.unwrap().is_empty());

    // An edit linking the same photo is a new version; the photo is not fetched into a second file.
    let mut edited = post_with_media(vec![photo.clone()]);
    edited.text.push_str(" Välkomna!");
    let other = app.channel_id("Sjöviks kommun", "facebook").await;
    app.svc.ingest("test", None, &[(other, IngestEvent::Upsert(edited))]).await.unwrap();
    let done = fetcher.run_pending(10).await.unwrap();
    assert_eq!(done.iter().map(|(_, s)| *s).collect::<Vec<_>>(), vec![MediaStatus::Stored]);
    assert_eq!(files_under(&dir.path().join("media")), vec![path], "the same content is one file");
});

// REQ REC-1: addresses that are not http(s) are refused, not fetched, and not retried.
scenario!(media_addresses_other_than_http_are_refused, |app| {
    let ch = app.channel_id("Sjöviks bibliotek", "facebook").await;
    let mut post = post_with_media(vec![
        "file:///etc/passwd".into(),
        "data:image/png;base64,AAAA".into(),
        "http://169.254.169.254/latest/meta-data/".into(),
    ]);
    post.external_id = "media-post-2".into();
    app.svc.ingest("test", None, &[(ch, IngestEvent::Upsert(post))]).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // The production fetcher: private and link-local addresses are refused too.
    let fetcher = MediaFetcher::new(app.svc.clone(), dir.path().join("media")).unwrap();
    let done = fetcher.run_pending(10).await.unwrap();
    assert_eq!(done.iter().map(|(_, s)| *s).collect::<Vec<_>>(), vec![MediaStatus::Failed; 3]);
    let media = app.svc.store.item_media(done[0].0.item_id).await.unwrap();
    assert!(media.iter().all(|m| m.error.as_deref().is_some_and(|e| !e.is_empty()) && m.attempts == 1), "{media:?}");
    assert!(fetcher.run_pending(10).await.unwrap().is_empty(), "refused addresses are not retried");
    assert!(files_under(dir.path()).is_empty());
});
