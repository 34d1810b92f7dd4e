/**
 * Continues an interrupted upload (one whose page was reloaded or closed, or whose tries ran out): the
 * same file chosen again is checked against the upload's size (Upload-Length) and against what this
 * browser remembers of it (name, size, date), then sent from the byte the server kept.
 */
import { useRef, useState } from 'preact/hooks';
import { describe } from '../api';
import { bytes } from '../format';
import {
  type RememberedUpload,
  RESUME_TRIES,
  forgetUpload,
  refuseFile,
  rememberUpload,
  uploadFile,
  uploadState,
} from '../uploads';

/** A progress bar in words: how much of the file the server has, and a resume in progress. */
export function UploadProgress(props: { sent: number; total: number; note: string; id: string }) {
  const percent = props.total > 0 ? Math.floor((props.sent / props.total) * 100) : 0;
  return (
    <div class="upload-progress">
      <label for={props.id}>
        Uploading: {bytes(props.sent)} of {bytes(props.total)} ({percent}%)
      </label>
      <progress id={props.id} max={100} value={percent} />
      {props.note && (
        <p class="muted small" role="status">
          {props.note}
        </p>
      )}
    </div>
  );
}

export function resumeNote(offset: number, attempt: number): string {
  return `The connection dropped: resuming at ${bytes(offset)} (try ${attempt} of ${RESUME_TRIES})…`;
}

export function ResumeUpload(props: {
  imageId: string;
  imageName: string;
  remembered: RememberedUpload | undefined;
  onDone: (message: string) => void;
}) {
  const { imageId, remembered } = props;
  const [error, setError] = useState('');
  const [progress, setProgress] = useState<{ sent: number; total: number } | null>(null);
  const [note, setNote] = useState('');
  const abort = useRef<(() => void) | null>(null);

  const resume = async (file: File) => {
    setError('');
    setNote('');
    try {
      const now = await uploadState(imageId);
      if (now.state === 'complete') {
        forgetUpload(imageId);
        props.onDone(`The data of ${props.imageName} had arrived whole already.`);
        return;
      }
      if (now.state === 'receiving') {
        setError(
          'The upload is still arriving (or the server has not yet noticed it stopped): try again shortly.',
        );
        return;
      }
      const refused = refuseFile(file, now, remembered, bytes);
      if (refused) {
        setError(refused);
        return;
      }
      // Nothing kept (it lapsed, or no byte had arrived): the whole file is sent again.
      const from = now.state === 'suspended' ? now.offset : undefined;
      rememberUpload(imageId, props.imageName, file);
      setProgress({ sent: from ?? 0, total: file.size });
      if (from !== undefined) setNote(`Resuming at ${bytes(from)}…`);
      const upload = uploadFile(
        imageId,
        file,
        {
          onProgress: (sent, total) => setProgress({ sent, total }),
          onResume: (offset, attempt) => setNote(resumeNote(offset, attempt)),
        },
        from,
      );
      abort.current = upload.abort;
      await upload.done;
      forgetUpload(imageId);
      props.onDone(`Uploaded ${props.imageName}; its copies are being made.`);
    } catch (err) {
      setError(describe(err));
    } finally {
      abort.current = null;
      setProgress(null);
    }
  };

  return (
    <div class="resume-upload">
      <label>
        Choose {remembered ? <span class="mono">{remembered.file_name}</span> : 'the same file'} again to
        resume the upload of {props.imageName}
        <input
          type="file"
          name={`resume-${imageId}`}
          disabled={progress !== null}
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (f) void resume(f);
          }}
        />
      </label>
      {progress && (
        <>
          <UploadProgress
            id={`resume-bar-${imageId}`}
            sent={progress.sent}
            total={progress.total}
            note={note}
          />
          <button type="button" class="ghost small" onClick={() => abort.current?.()}>
            Stop
          </button>
        </>
      )}
      {error && (
        <p class="callout bad" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
