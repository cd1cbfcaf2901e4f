package telegramtest

import (
	"bytes"
	"fmt"
	"image"
	_ "image/gif" // photo formats the fake can check
	_ "image/jpeg"
	_ "image/png"
	"mime"
	"path/filepath"
	"strings"

	"github.com/go-telegram/bot/models"
)

// inputFile resolves a file parameter the way Telegram does: an uploaded
// multipart file, "attach://<name>", a file_id the server issued before, or
// an HTTP URL (recorded, not fetched). s.mu must be held.
func (s *Server) inputFile(r *request, field string) (File, *apiError) {
	if f, ok := r.files[field]; ok {
		if len(f.Data) == 0 {
			return File{}, badRequest("file must be non-empty")
		}
		return f, nil
	}
	v := strings.TrimSpace(r.params[field])
	if v == "" {
		return File{}, badRequest("there is no %s in the request", field)
	}
	if name, ok := strings.CutPrefix(v, "attach://"); ok {
		f, ok := r.files[name]
		if !ok {
			return File{}, badRequest("there is no %s in the request", field)
		}
		if len(f.Data) == 0 {
			return File{}, badRequest("file must be non-empty")
		}
		return f, nil
	}
	if known, ok := s.files[v]; ok {
		known.Ref = v
		return known, nil
	}
	if strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") {
		return File{Name: filepath.Base(v), Ref: v}, nil
	}
	return File{}, badRequest("wrong file identifier/HTTP URL specified")
}

// storeFile issues a file_id for f, or returns the file_id it was sent by;
// s.mu must be held.
func (s *Server) storeFile(f File, prefix string) (fileID, uniqueID string) {
	if _, known := s.files[f.Ref]; known {
		return f.Ref, "AgAD-" + f.Ref
	}
	s.nextFile++
	fileID = fmt.Sprintf("%s-telegramtest-%d", prefix, s.nextFile)
	s.files[fileID] = File{Name: f.Name, Data: f.Data}
	return fileID, "AgAD-" + fileID
}

// mediaMessage builds the common part of sendDocument and sendPhoto.
func (s *Server) mediaMessage(r *request) (*chat, *storedMessage, *replyMarkup, *apiError) {
	c, aerr := s.writableChat(r)
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	caption, plain, ents, aerr := formatted(r, "caption", maxCaptionLen, true)
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	rm, aerr := parseReplyMarkup(r.params["reply_markup"])
	if aerr != nil {
		return nil, nil, nil, aerr
	}
	m := &storedMessage{Message: Message{Caption: caption, Plain: plain, ParseMode: r.params["parse_mode"], Entities: ents}}
	return c, m, rm, nil
}

// sendDocument records a document: uploaded bytes, a file_id or a URL.
func (s *Server) sendDocument(r *request) (any, *apiError) {
	c, m, rm, aerr := s.mediaMessage(r)
	if aerr != nil {
		return nil, aerr
	}
	f, aerr := s.inputFile(r, "document")
	if aerr != nil {
		return nil, aerr
	}
	id, unique := s.storeFile(f, "BQACAgIAAxkBAAI")
	mimeType := mime.TypeByExtension(filepath.Ext(f.Name))
	if mimeType == "" {
		mimeType = "application/octet-stream"
	}
	if i := strings.IndexByte(mimeType, ';'); i >= 0 {
		mimeType = mimeType[:i]
	}
	m.Document = &f
	m.document = &models.Document{FileID: id, FileUniqueID: unique, FileName: f.Name, MimeType: mimeType, FileSize: int64(len(f.Data))}
	return s.addBotMessage(c, m, rm), nil
}

// sendPhoto records a photo. Uploaded bytes must be a JPEG, PNG or GIF
// image, or Telegram's IMAGE_PROCESS_FAILED is returned.
func (s *Server) sendPhoto(r *request) (any, *apiError) {
	c, m, rm, aerr := s.mediaMessage(r)
	if aerr != nil {
		return nil, aerr
	}
	f, aerr := s.inputFile(r, "photo")
	if aerr != nil {
		return nil, aerr
	}
	var width, height int
	if f.Data != nil {
		cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Data))
		if err != nil {
			return nil, badRequest("IMAGE_PROCESS_FAILED")
		}
		width, height = cfg.Width, cfg.Height
	}
	id, unique := s.storeFile(f, "AgACAgIAAxkBAAI")
	m.Photo = &f
	m.photo = []models.PhotoSize{{FileID: id, FileUniqueID: unique, Width: width, Height: height, FileSize: len(f.Data)}}
	return s.addBotMessage(c, m, rm), nil
}
