package configs

import (
	"fmt"
	"os"
)

// EdgeIdentity is what the NATS authorization needs of an edge config
// (`camwatch nats creds`): the site, the agent and its camera ids.
type EdgeIdentity struct {
	Site, Agent string
	Cameras     []string
}

// edgeIDs decodes an edge config as strictly as Edge does but checks only
// the identity, resolving no secret.
type edgeIDs Edge

func (e *edgeIDs) Validate() error {
	if err := checkToken("site", e.Site); err != nil {
		return err
	}
	if err := checkToken("agent", e.Agent); err != nil {
		return err
	}
	ids := make([]string, len(e.Cameras))
	for i, c := range e.Cameras {
		ids[i] = c.ID
	}
	return checkCameraIDs(ids)
}

// LoadEdgeIdentity reads an edge config's identity as strictly as Load
// reads the whole file (unknown keys and bad ids are errors), without its
// secrets: the server's authorization is made where the cameras' and the
// agent's passwords are not, and needs none of them.
func LoadEdgeIdentity(path string) (EdgeIdentity, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return EdgeIdentity{}, fmt.Errorf("read config: %w", err)
	}
	var e edgeIDs
	if err := Parse(data, &e); err != nil {
		return EdgeIdentity{}, fmt.Errorf("%s: %w", path, err)
	}
	id := EdgeIdentity{Site: e.Site, Agent: e.Agent}
	for _, c := range e.Cameras {
		id.Cameras = append(id.Cameras, c.ID)
	}
	return id, nil
}
